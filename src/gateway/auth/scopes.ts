// Docker token scopes: `repository:<name>:<actions>` and `registry:catalog:*`.
import type { AccessGrant } from './access-token';

export interface RequestedScope {
  readonly type: 'repository' | 'registry';
  readonly name: string;
  readonly actions: readonly string[];
}

/** Parses scope strings (GET sends one per `scope`, POST space-separated); unknown forms are skipped. */
export function parseScopes(values: readonly string[]): RequestedScope[] {
  const scopes: RequestedScope[] = [];
  for (const value of values.flatMap((v) => v.split(' ')).filter(Boolean)) {
    const first = value.indexOf(':');
    const last = value.lastIndexOf(':');
    if (first <= 0 || last <= first) continue;
    const type = value.slice(0, first);
    if (type !== 'repository' && type !== 'registry') continue;
    const actions = value.slice(last + 1).split(',').filter(Boolean);
    scopes.push({ type, name: value.slice(first + 1, last), actions });
  }
  return scopes;
}

export function formatScope(scope: RequestedScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

export function grants(access: readonly AccessGrant[], type: AccessGrant['type'], name: string, action: string): boolean {
  return access.some((g) => g.type === type && g.name === name && (g.actions.includes(action) || g.actions.includes('*')));
}
