// The README's artifact examples, read from README.md itself so that the test runs what people
// read: each fenced block whose first line is `# example: NAME` (or `// example: NAME`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readmeExamples(root: string): Map<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const examples = new Map<string, string>();
  for (const match of readme.matchAll(/```(?:sh|js)\n(?:#|\/\/) example: (\S+)\n([\s\S]*?)```/g)) examples.set(match[1], match[2]);
  return examples;
}

/** An example with the documented addresses replaced by the ones a test's `hcr dev` listens on. */
export function localized(example: string, addresses: { gateway: string; grpc: string; hcr: string }): string {
  return example.replaceAll('127.0.0.1:50051', addresses.grpc).replaceAll('127.0.0.1:5000', addresses.gateway).replaceAll('npx hcr ', `${addresses.hcr} `);
}
