/** Where a run was started from, as its CI system describes it: for auditors, who ask "which job, which commit, who". */
export interface CiContext {
  /** `github-actions`, `gitlab-ci`, `jenkins`, `buildkite`, `circleci`, `azure-pipelines`, or `ci` (only `CI=true`). */
  provider: CiProvider;
  /** The run's (or job's) page. */
  runUrl?: string;
  runId?: string;
  /** Re-runs of the same run id (GitHub's run attempt, Azure's job attempt, Buildkite's retry count). */
  attempt?: string;
  repository?: string;
  /** The workflow, pipeline or job definition's name. */
  workflow?: string;
  commit?: string;
  /** Branch or tag. */
  ref?: string;
  /** Who started or triggered the run. */
  actor?: string;
}

export type CiProvider =
  | 'github-actions'
  | 'gitlab-ci'
  | 'jenkins'
  | 'buildkite'
  | 'circleci'
  | 'azure-pipelines'
  | 'ci';

export const CI_PROVIDER_NAMES: Record<CiProvider, string> = {
  'github-actions': 'GitHub Actions',
  'gitlab-ci': 'GitLab CI/CD',
  jenkins: 'Jenkins',
  buildkite: 'Buildkite',
  circleci: 'CircleCI',
  'azure-pipelines': 'Azure Pipelines',
  ci: 'CI (CI=true; provider not recognised)',
};

type Env = Record<string, string | undefined>;

/**
 * The run context from the CI system's documented variables, or undefined outside CI. Only the variables
 * named here are read, none of them a credential (no *_TOKEN, no passwords); URLs lose any user:password@.
 */
export function detectCiContext(env: Env): CiContext | undefined {
  const v = (name: string) => clean(env[name]);
  if (v('GITHUB_ACTIONS') === 'true') {
    const server = url(v('GITHUB_SERVER_URL') ?? 'https://github.com');
    const repository = v('GITHUB_REPOSITORY');
    const runId = v('GITHUB_RUN_ID');
    return context('github-actions', {
      runUrl: server && repository && runId ? `${server}/${repository}/actions/runs/${runId}` : undefined,
      runId,
      attempt: v('GITHUB_RUN_ATTEMPT'),
      repository,
      workflow: v('GITHUB_WORKFLOW'),
      commit: v('GITHUB_SHA'),
      ref: v('GITHUB_REF_NAME'),
      actor: v('GITHUB_TRIGGERING_ACTOR') ?? v('GITHUB_ACTOR'),
    });
  }
  if (v('GITLAB_CI') === 'true')
    return context('gitlab-ci', {
      runUrl: url(v('CI_JOB_URL') ?? v('CI_PIPELINE_URL')),
      runId: v('CI_PIPELINE_ID'),
      repository: v('CI_PROJECT_PATH'),
      workflow: v('CI_JOB_NAME'),
      commit: v('CI_COMMIT_SHA'),
      ref: v('CI_COMMIT_REF_NAME'),
      actor: v('GITLAB_USER_LOGIN'),
    });
  if (v('BUILDKITE') === 'true')
    return context('buildkite', {
      runUrl: url(v('BUILDKITE_BUILD_URL')),
      runId: v('BUILDKITE_BUILD_NUMBER'),
      attempt: v('BUILDKITE_RETRY_COUNT'),
      repository: v('BUILDKITE_PIPELINE_SLUG'),
      workflow: v('BUILDKITE_LABEL'),
      commit: v('BUILDKITE_COMMIT'),
      ref: v('BUILDKITE_TAG') ?? v('BUILDKITE_BRANCH'),
      actor: v('BUILDKITE_BUILD_CREATOR'),
    });
  if (v('CIRCLECI') === 'true') {
    const owner = v('CIRCLE_PROJECT_USERNAME');
    const repo = v('CIRCLE_PROJECT_REPONAME');
    return context('circleci', {
      runUrl: url(v('CIRCLE_BUILD_URL')),
      runId: v('CIRCLE_BUILD_NUM'),
      repository: owner && repo ? `${owner}/${repo}` : repo,
      workflow: v('CIRCLE_JOB'),
      commit: v('CIRCLE_SHA1'),
      ref: v('CIRCLE_TAG') ?? v('CIRCLE_BRANCH'),
      actor: v('CIRCLE_USERNAME'),
    });
  }
  if (v('TF_BUILD')?.toLowerCase() === 'true') {
    const collection = url(v('SYSTEM_COLLECTIONURI') ?? v('SYSTEM_TEAMFOUNDATIONCOLLECTIONURI'));
    const project = v('SYSTEM_TEAMPROJECT');
    const buildId = v('BUILD_BUILDID');
    return context('azure-pipelines', {
      runUrl:
        collection && project && buildId
          ? `${collection.replace(/\/+$/, '')}/${encodeURIComponent(project)}/_build/results?buildId=${encodeURIComponent(buildId)}`
          : undefined,
      runId: buildId,
      attempt: v('SYSTEM_JOBATTEMPT'),
      repository: v('BUILD_REPOSITORY_NAME'),
      workflow: v('BUILD_DEFINITIONNAME'),
      commit: v('BUILD_SOURCEVERSION'),
      ref: v('BUILD_SOURCEBRANCHNAME') ?? v('BUILD_SOURCEBRANCH'),
      actor: v('BUILD_REQUESTEDFOR'),
    });
  }
  if (v('JENKINS_URL') || v('JENKINS_HOME'))
    return context('jenkins', {
      runUrl: url(v('BUILD_URL')),
      runId: v('BUILD_NUMBER') ?? v('BUILD_ID'),
      workflow: v('JOB_NAME'),
      commit: v('GIT_COMMIT'),
      ref: v('BRANCH_NAME') ?? v('GIT_BRANCH'),
      // Set by the Build User Vars plugin only; Jenkins itself does not say who started a build.
      actor: v('BUILD_USER_ID'),
    });
  const ci = v('CI')?.toLowerCase();
  if (ci === 'true' || ci === '1') return { provider: 'ci' };
  return undefined;
}

function context(provider: CiProvider, fields: Omit<CiContext, 'provider'>): CiContext {
  return {
    provider,
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
  };
}

// Values are one line and bounded: they end up in tables of a report, not in a log.
function clean(value: string | undefined): string | undefined {
  const text = value?.replace(/[\r\n\t]+/g, ' ').trim();
  return text ? text.slice(0, 300) : undefined;
}

/** An http(s) URL without credentials in it, or undefined (a report links only to what it can show safely). */
function url(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, value.endsWith('/') ? '/' : '');
  } catch {
    return undefined;
  }
}
