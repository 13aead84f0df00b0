// The registry's page: connect a wallet, pick an account, manage your space, browse the index.
import { type AccountInfo, apiGet, type Config } from './api';
import { byId, h, shortAddress } from './dom';
import { IndexView } from './index-view';
import { wireManage } from './manage';
import { errorText } from './tx-progress';
import { nameText } from './untrusted-text';
import { connectWallet, type WalletAccount } from './wallet';

interface PageState {
  config: Config;
  accounts: WalletAccount[];
  address?: string;
  account?: AccountInfo;
}

async function start(): Promise<void> {
  const status = byId('wallet-status');
  let config: Config;
  try {
    config = await apiGet<Config>('/config');
  } catch (error) {
    status.textContent = `The registry's API is not reachable: ${errorText(error)}`;
    return;
  }
  const state: PageState = { config, accounts: [] };
  byId('gateway-address').textContent = config.gatewayAddress;
  const index = new IndexView(config.registry, config.graphql !== null, () => state.address);

  const showAccount = async () => {
    if (!state.address) return;
    try {
      state.account = await apiGet<AccountInfo>(`/accounts/${state.address}`);
    } catch (error) {
      status.textContent = errorText(error);
      return;
    }
    renderAccount(state.account);
  };

  wireManage({
    config,
    address: () => state.address,
    walletAccount: () => state.accounts.find((a) => a.address === state.address),
    account: () => state.account,
    async changed(blockNumber) {
      await showAccount();
      await index.refreshAfter(blockNumber);
    },
  });

  const select = byId<HTMLSelectElement>('account');
  select.addEventListener('change', async () => {
    state.address = select.value;
    await showAccount();
    await index.refresh();
  });

  byId<HTMLButtonElement>('connect').addEventListener('click', async (event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    status.textContent = 'Asking your wallet for accounts…';
    try {
      state.accounts = await connectWallet(config.ss58Prefix);
    } catch (error) {
      status.textContent = errorText(error);
      button.disabled = false;
      return;
    }
    select.replaceChildren(...state.accounts.map((a) => h('option', { value: a.address }, `${a.name ?? 'Account'} (${shortAddress(a.address)}) — ${a.source}`)));
    select.hidden = false;
    byId('account-label').hidden = false;
    button.textContent = 'Wallet connected';
    status.textContent = `${state.accounts.length} account${state.accounts.length === 1 ? '' : 's'} from your wallet. Pick the one to use.`;
    state.address = select.value;
    byId('account-panel').hidden = false;
    byId('actions').hidden = false;
    select.focus();
    await showAccount();
    await index.refresh();
  });

  // Enabled only now, so a click before the page is ready is not lost.
  byId<HTMLButtonElement>('connect').disabled = false;
  await index.refresh();
}

function renderAccount(account: AccountInfo): void {
  byId('account-address').textContent = account.address;
  // The name is bytes on chain, shown escaped like every other name (untrusted-text.ts).
  const spaceName = account.space ? nameText(account.space.name) : '';
  byId('account-space').textContent = account.space ? `${spaceName} (id ${account.space.id}, ${account.space.members.length} member${account.space.members.length === 1 ? '' : 's'})` : 'none yet';
  byId('member-space').textContent = account.space ? `Adds to your space ${spaceName}.` : 'Create a space first.';
  const gateway = byId('account-gateway');
  gateway.textContent = account.gatewayGrant ? 'may record your pushes' : 'not granted';
  byId('gateway-state').textContent = account.gatewayGrant ? 'Granted: the gateway records your and your members\' pushes.' : 'Not granted: pushes to your space cannot be recorded by the gateway.';
  byId<HTMLButtonElement>('grant-gateway').hidden = account.gatewayGrant;
  byId<HTMLButtonElement>('revoke-gateway').hidden = !account.gatewayGrant;
}

void start();
