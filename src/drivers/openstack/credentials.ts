// Which cloud, and how to sign in: the OS_* variables of an openrc, application credentials,
// or OS_CLOUD with a clouds.yaml in the usual places (as openstacksdk and the CLI read them).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export type Credentials = {
  authUrl: string;
  region?: string;
  interface: string;
} & (
  | {
      kind: 'password';
      username: string;
      password: string;
      userDomainName: string;
      projectName: string;
      projectDomainName: string;
    }
  | { kind: 'application_credential'; id: string; secret: string }
);

export type OsEnv = Record<string, string | undefined>;

/** clouds.yaml where openstacksdk looks for it: OS_CLIENT_CONFIG_FILE, the current directory, the user's, the system's. */
function cloudsFiles(env: OsEnv): string[] {
  const home = env.HOME ?? '';
  const xdg = env.XDG_CONFIG_HOME ?? (home ? path.join(home, '.config') : '');
  return [
    env.OS_CLIENT_CONFIG_FILE,
    path.resolve('clouds.yaml'),
    xdg && path.join(xdg, 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ].filter((f): f is string => !!f);
}

function readCloud(name: string, env: OsEnv): Record<string, any> {
  for (const file of cloudsFiles(env)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const cloud = (parse(text) as { clouds?: Record<string, unknown> } | null)?.clouds?.[name];
    if (!cloud) continue;
    // secure.yaml beside it holds the secrets, by the same cloud name
    try {
      const secure = (parse(readFileSync(path.join(path.dirname(file), 'secure.yaml'), 'utf8')) as any)?.clouds?.[name];
      if (secure?.auth) (cloud as any).auth = { ...(cloud as any).auth, ...secure.auth };
    } catch {
      /* no secure.yaml */
    }
    return cloud as Record<string, any>;
  }
  throw new Error(`OS_CLOUD=${name}: no cloud of that name in ${cloudsFiles(env).join(', ')}`);
}

/** The credentials the environment gives; throws naming what is missing. */
export function credentialsFrom(env: OsEnv): Credentials {
  const c = env.OS_CLOUD ? readCloud(env.OS_CLOUD, env) : null;
  const a = (c?.auth ?? {}) as Record<string, string | undefined>;
  const pick = (cloudKey: string, envKey: string) => a[cloudKey] ?? (env[envKey] || undefined);
  const authUrl = pick('auth_url', 'OS_AUTH_URL');
  if (!authUrl) throw new Error('OS_AUTH_URL (or OS_CLOUD with a clouds.yaml) is needed with DRIVER=openstack');
  const common = {
    authUrl: authUrl.replace(/\/+$/, ''),
    region: c?.region_name ?? (env.OS_REGION_NAME || undefined),
    interface: String(c?.interface ?? env.OS_INTERFACE ?? 'public').replace(/URL$/, ''),
  };
  const appId = pick('application_credential_id', 'OS_APPLICATION_CREDENTIAL_ID');
  if (appId) {
    const secret = pick('application_credential_secret', 'OS_APPLICATION_CREDENTIAL_SECRET');
    if (!secret) throw new Error('OS_APPLICATION_CREDENTIAL_SECRET is needed with OS_APPLICATION_CREDENTIAL_ID');
    return { ...common, kind: 'application_credential', id: appId, secret };
  }
  const username = pick('username', 'OS_USERNAME');
  const password = pick('password', 'OS_PASSWORD');
  const projectName = pick('project_name', 'OS_PROJECT_NAME') ?? pick('tenant_name', 'OS_TENANT_NAME');
  const missing = [!username && 'OS_USERNAME', !password && 'OS_PASSWORD', !projectName && 'OS_PROJECT_NAME'].filter(
    Boolean,
  );
  if (missing.length)
    throw new Error(`${missing.join(', ')} needed with DRIVER=openstack (or application credentials)`);
  return {
    ...common,
    kind: 'password',
    username: username!,
    password: password!,
    userDomainName: pick('user_domain_name', 'OS_USER_DOMAIN_NAME') ?? 'Default',
    projectName: projectName!,
    projectDomainName: pick('project_domain_name', 'OS_PROJECT_DOMAIN_NAME') ?? 'Default',
  };
}
