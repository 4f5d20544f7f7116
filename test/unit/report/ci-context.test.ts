import { describe, expect, test } from 'vitest';
import { detectCiContext } from '../../../src/report/ci-context.js';

// Credentials every one of these CI systems puts in a job's environment: none may reach a report.
const SECRETS = {
  GITHUB_TOKEN: 'ghs_secret0000000000000000000000000000',
  ACTIONS_RUNTIME_TOKEN: 'actions-runtime-secret',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-secret',
  CI_JOB_TOKEN: 'glcbt-secret-job-token',
  CI_JOB_JWT: 'gitlab-jwt-secret',
  BUILDKITE_AGENT_ACCESS_TOKEN: 'bk-agent-secret',
  CIRCLE_OIDC_TOKEN: 'circle-oidc-secret',
  SYSTEM_ACCESSTOKEN: 'azure-access-secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-key',
};

describe('detectCiContext, from each CI system’s documented variables', () => {
  test('GitHub Actions: the run URL from server, repository and run id; attempt, commit, ref, actor, workflow', () => {
    expect(
      detectCiContext({
        ...SECRETS,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/db-drills',
        GITHUB_RUN_ID: '9876543210',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
        GITHUB_REF_NAME: 'main',
        GITHUB_ACTOR: 'alice',
        GITHUB_WORKFLOW: 'restore drill',
      }),
    ).toEqual({
      provider: 'github-actions',
      runUrl: 'https://github.com/acme/db-drills/actions/runs/9876543210',
      runId: '9876543210',
      attempt: '2',
      repository: 'acme/db-drills',
      workflow: 'restore drill',
      commit: '0123456789abcdef0123456789abcdef01234567',
      ref: 'main',
      actor: 'alice',
    });
  });

  test('GitHub Enterprise Server: the run URL on its own server; the triggering actor of a re-run wins', () => {
    const ci = detectCiContext({
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://github.example.com',
      GITHUB_REPOSITORY: 'ops/drills',
      GITHUB_RUN_ID: '17',
      GITHUB_ACTOR: 'alice',
      GITHUB_TRIGGERING_ACTOR: 'bob',
    });
    expect(ci).toMatchObject({ runUrl: 'https://github.example.com/ops/drills/actions/runs/17', actor: 'bob' });
  });

  test('GitLab CI: the job URL, pipeline id, project, commit, ref and the user who started it', () => {
    expect(
      detectCiContext({
        ...SECRETS,
        CI: 'true',
        GITLAB_CI: 'true',
        CI_JOB_URL: 'https://gitlab.example.com/ops/drills/-/jobs/4242',
        CI_PIPELINE_URL: 'https://gitlab.example.com/ops/drills/-/pipelines/99',
        CI_PIPELINE_ID: '99',
        CI_PROJECT_PATH: 'ops/drills',
        CI_JOB_NAME: 'restore-drill',
        CI_COMMIT_SHA: 'abcdef0123456789abcdef0123456789abcdef01',
        CI_COMMIT_REF_NAME: 'release/1.2',
        GITLAB_USER_LOGIN: 'carol',
      }),
    ).toEqual({
      provider: 'gitlab-ci',
      runUrl: 'https://gitlab.example.com/ops/drills/-/jobs/4242',
      runId: '99',
      repository: 'ops/drills',
      workflow: 'restore-drill',
      commit: 'abcdef0123456789abcdef0123456789abcdef01',
      ref: 'release/1.2',
      actor: 'carol',
    });
  });

  test('Jenkins: BUILD_URL, job, build number, GIT_COMMIT, the branch, and BUILD_USER_ID where the plugin sets it', () => {
    expect(
      detectCiContext({
        JENKINS_URL: 'https://jenkins.example.com/',
        BUILD_URL: 'https://jenkins.example.com/job/drills/12/',
        BUILD_NUMBER: '12',
        JOB_NAME: 'drills',
        GIT_COMMIT: 'fedcba9876543210fedcba9876543210fedcba98',
        GIT_BRANCH: 'origin/main',
        BUILD_USER_ID: 'dave',
      }),
    ).toEqual({
      provider: 'jenkins',
      runUrl: 'https://jenkins.example.com/job/drills/12/',
      runId: '12',
      workflow: 'drills',
      commit: 'fedcba9876543210fedcba9876543210fedcba98',
      ref: 'origin/main',
      actor: 'dave',
    });
  });

  test('Buildkite, CircleCI and Azure Pipelines', () => {
    expect(
      detectCiContext({
        ...SECRETS,
        BUILDKITE: 'true',
        BUILDKITE_BUILD_URL: 'https://buildkite.com/acme/drills/builds/59',
        BUILDKITE_BUILD_NUMBER: '59',
        BUILDKITE_COMMIT: 'a0bd708bcdebced545b62a842a0350ccd1d683b7',
        BUILDKITE_BRANCH: 'main',
        BUILDKITE_BUILD_CREATOR: 'Erin',
        BUILDKITE_PIPELINE_SLUG: 'drills',
      }),
    ).toMatchObject({
      provider: 'buildkite',
      runUrl: 'https://buildkite.com/acme/drills/builds/59',
      ref: 'main',
      actor: 'Erin',
    });
    expect(
      detectCiContext({
        CIRCLECI: 'true',
        CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/drills/77',
        CIRCLE_BUILD_NUM: '77',
        CIRCLE_SHA1: '1111111111111111111111111111111111111111',
        CIRCLE_BRANCH: 'main',
        CIRCLE_USERNAME: 'frank',
        CIRCLE_PROJECT_USERNAME: 'acme',
        CIRCLE_PROJECT_REPONAME: 'drills',
      }),
    ).toMatchObject({ provider: 'circleci', repository: 'acme/drills', actor: 'frank', runId: '77' });
    expect(
      detectCiContext({
        TF_BUILD: 'True',
        SYSTEM_COLLECTIONURI: 'https://dev.azure.com/acme/',
        SYSTEM_TEAMPROJECT: 'Data Platform',
        BUILD_BUILDID: '314',
        SYSTEM_JOBATTEMPT: '1',
        BUILD_SOURCEVERSION: '2222222222222222222222222222222222222222',
        BUILD_SOURCEBRANCHNAME: 'main',
        BUILD_REQUESTEDFOR: 'Grace Hopper',
        BUILD_DEFINITIONNAME: 'nightly-drill',
      }),
    ).toEqual({
      provider: 'azure-pipelines',
      runUrl: 'https://dev.azure.com/acme/Data%20Platform/_build/results?buildId=314',
      runId: '314',
      attempt: '1',
      workflow: 'nightly-drill',
      commit: '2222222222222222222222222222222222222222',
      ref: 'main',
      actor: 'Grace Hopper',
    });
  });

  test('only CI=true: a CI run of an unknown provider, with nothing else read', () => {
    expect(detectCiContext({ CI: 'true', ...SECRETS })).toEqual({ provider: 'ci' });
    expect(detectCiContext({ CI: '1' })).toEqual({ provider: 'ci' });
  });

  test('outside CI: nothing (CI=false, or no variables at all)', () => {
    expect(detectCiContext({})).toBeUndefined();
    expect(detectCiContext({ CI: 'false', GITHUB_ACTIONS: 'false', ...SECRETS })).toBeUndefined();
  });
});

describe('nothing secret, nothing unsafe', () => {
  test('no token from any CI system appears in what is detected', () => {
    const envs = [
      { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'a/b', GITHUB_RUN_ID: '1' },
      { GITLAB_CI: 'true', CI_JOB_URL: 'https://gitlab.com/a/b/-/jobs/1' },
      { JENKINS_URL: 'https://j/', BUILD_URL: 'https://j/job/x/1/' },
      { BUILDKITE: 'true' },
      { CIRCLECI: 'true' },
      { TF_BUILD: 'True' },
    ];
    for (const env of envs) {
      const text = JSON.stringify(detectCiContext({ ...SECRETS, ...env }));
      for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    }
  });

  test('credentials in a URL are removed; a URL that is not http(s) is dropped', () => {
    expect(
      detectCiContext({ JENKINS_URL: 'https://j/', BUILD_URL: 'https://user:hunter2@jenkins.example.com/job/x/3/' }),
    ).toMatchObject({ runUrl: 'https://jenkins.example.com/job/x/3/' });
    expect(detectCiContext({ GITLAB_CI: 'true', CI_JOB_URL: 'javascript:alert(1)', CI_PIPELINE_ID: '5' })).toEqual({
      provider: 'gitlab-ci',
      runId: '5',
    });
  });

  test('values are one bounded line', () => {
    const ci = detectCiContext({
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTOR: 'eve\nFORGED: line',
      GITHUB_REF_NAME: 'x'.repeat(5000),
    });
    expect(ci?.actor).toBe('eve FORGED: line');
    expect(ci?.ref).toHaveLength(300);
  });
});
