/**
 * Warnings of dependencies that speak to their own users, not to pgdrill's, kept out of pgdrill's output.
 * The AWS SDK prints a 9-line NodeVersionSupportWarning under Node < 22 whenever it creates a client;
 * its own switch turns off that one warning (and nothing else) for this process. A value the user set
 * is kept.
 */
export function quietDependencyWarnings(env: NodeJS.ProcessEnv): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
