// The "Manage" forms: create a space, add a member (address checked before signing), grant or
// revoke the gateway, docker login. Each transaction reports its progress in its own card, and
// is checked against what was asked for before the wallet signs it (payload-check.ts).
import { checkAddress, checkRepoName, InvalidInputError } from '../chain/validate';
import type { AccountInfo, Config, TxRecord } from './api';
import type { RequestedCall } from './call-bytes';
import { dockerLogin, NO_WALLET } from './docker-login';
import { byId } from './dom';
import { runTransaction, TxProgress } from './tx-progress';
import type { WalletAccount } from './wallet';

export interface ManageContext {
  readonly config: Config;
  address(): string | undefined;
  /** The picked account as the wallet shared it. */
  walletAccount(): WalletAccount | undefined;
  account(): AccountInfo | undefined;
  /** Called after a transaction finalized in `blockNumber`. */
  changed(blockNumber: number | undefined): Promise<void>;
}

const progressFor = (name: string) => new TxProgress(document.querySelector<HTMLElement>(`.progress[data-for="${name}"]`)!);

export function wireManage(ctx: ManageContext): void {
  const createProgress = progressFor('create-space');
  const memberProgress = progressFor('add-member');
  const gatewayProgress = progressFor('gateway');
  // The highest block a transaction of this page was included in: a payload whose era ended
  // before it has already expired (payload-check.ts).
  let knownHead: number | undefined;
  const run = async (ctx: ManageContext, progress: TxProgress, signer: string, call: RequestedCall) => {
    const done = await runChecked(ctx, progress, signer, call, knownHead);
    if (done?.blockNumber !== undefined) knownHead = Math.max(knownHead ?? 0, done.blockNumber);
    return done;
  };

  onSubmit('create-space', async () => {
    const name = checked('space-name', 'space-name-error', (value) => checkRepoName(value, 'name'));
    if (name === undefined) return;
    const signer = ctx.address();
    if (!signer) return createProgress.fail(NO_WALLET);
    const done = await run(ctx, createProgress, signer, { action: 'create-space', name });
    if (done) await ctx.changed(done.blockNumber);
  });

  onSubmit('add-member', async () => {
    const space = ctx.account()?.space;
    const member = checked('member-address', 'member-error', (value) => checkAddress(value.trim(), 'member'));
    if (member === undefined) return;
    const signer = ctx.address();
    if (!signer) return memberProgress.fail(NO_WALLET);
    if (!space) {
      memberProgress.fail('You own no space yet. Create one first.');
      return;
    }
    const done = await run(ctx, memberProgress, signer, { action: 'add-member', spaceId: space.id, member });
    if (done) {
      byId<HTMLInputElement>('member-address').value = '';
      await ctx.changed(done.blockNumber);
    }
  });

  for (const action of ['grant-gateway', 'revoke-gateway'] as const) {
    byId<HTMLButtonElement>(action).addEventListener('click', async (event) => {
      const button = event.currentTarget as HTMLButtonElement;
      const signer = ctx.address();
      if (!signer) return gatewayProgress.fail(NO_WALLET);
      button.disabled = true;
      try {
        const done = await run(ctx, gatewayProgress, signer, { action, gateway: ctx.config.gatewayAddress });
        if (done) await ctx.changed(done.blockNumber);
      } finally {
        button.disabled = false;
      }
    });
  }

  byId<HTMLButtonElement>('login').addEventListener('click', async (event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    try {
      await dockerLogin(ctx.address(), ctx.config.registry, byId('login-status'), byId('login-result'));
    } finally {
      button.disabled = false;
    }
  });
}

/** Runs `call` signed by `signer`, unless the wallet keeps that account for another chain. */
function runChecked(ctx: ManageContext, progress: TxProgress, signer: string, call: RequestedCall, knownHead: number | undefined): Promise<TxRecord | undefined> {
  const genesisHash = ctx.config.chain.genesisHash;
  const only = ctx.walletAccount()?.genesisHash;
  if (only && only.toLowerCase() !== genesisHash.toLowerCase()) {
    progress.fail(`Your wallet keeps this account for another chain (genesis ${only}); this registry's chain is ${genesisHash}. Pick an account your wallet allows on this chain, or on any chain.`);
    return Promise.resolve(undefined);
  }
  return runTransaction(progress, { signer, call, genesisHash, knownHead });
}

function onSubmit(id: string, run: () => Promise<void>): void {
  const form = byId<HTMLFormElement>(id);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    button.disabled = true;
    try {
      await run();
    } finally {
      button.disabled = false;
    }
  });
}

/** Validates an input before anything is signed; on failure shows why next to it and focuses it. */
function checked(inputId: string, errorId: string, check: (value: string) => string): string | undefined {
  const input = byId<HTMLInputElement>(inputId);
  const error = byId(errorId);
  try {
    const value = check(input.value);
    input.removeAttribute('aria-invalid');
    error.hidden = true;
    return value;
  } catch (problem) {
    if (!(problem instanceof InvalidInputError)) throw problem;
    input.setAttribute('aria-invalid', 'true');
    error.textContent = `${problem.message[0].toUpperCase()}${problem.message.slice(1)}.`;
    error.hidden = false;
    input.focus();
    return undefined;
  }
}
