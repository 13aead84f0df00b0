// "Docker login": the registry's sign-in message, signed in the wallet with signRaw, becomes
// the docker login password. The page checks the message before the wallet signs it
// (login-message-check.ts); the API checks the signature before handing out the command.
import { apiPost } from './api';
import { copyable, h } from './dom';
import { dockerLoginOf } from './docker-login-answer';
import { checkLoginMessage, LOGIN_TTL_SECONDS } from './login-message-check';
import { errorText } from './tx-progress';
import { signMessage } from './wallet';

interface Challenge {
  message: string;
  expiresAt: string;
}

/** What an action asked for before any account was picked (the Manage section is hidden until then). */
export const NO_WALLET = 'Connect a wallet first: use "Connect wallet" at the top of the page and pick an account.';

/** `registry`: the domain the page's docker commands name (GET /api/config), which the message must name too. */
export async function dockerLogin(address: string | undefined, registry: string, status: HTMLElement, result: HTMLElement): Promise<void> {
  result.hidden = true;
  if (!address) {
    status.textContent = '';
    result.replaceChildren(h('p', { role: 'alert', class: 'tx-error' }, NO_WALLET));
    result.hidden = false;
    return;
  }
  try {
    status.textContent = 'Approve the sign-in message in your wallet…';
    const challenge = await apiPost<Challenge>('/login/message', { address, ttlSeconds: LOGIN_TTL_SECONDS });
    const message = checkLoginMessage(challenge?.message, { registry, address });
    const signature = await signMessage(address, message);
    // The API checks the signature; what is shown is built here (docker-login-answer.ts says why).
    const login = dockerLoginOf(await apiPost<unknown>('/login/token', { message, signature }), { registry, address, message, signature });
    status.textContent = `Signed in as ${login.username}; the login is valid until ${new Date(login.expiresAt).toLocaleString()}.`;
    result.replaceChildren(
      h('p', {}, 'Run this in a terminal:'),
      copyable(login.command, 'docker login command'),
      h('details', {}, h('summary', {}, 'Username and password'), h('p', {}, 'Username: ', h('code', {}, login.username)), h('p', {}, 'Password: ', h('code', { class: 'wrap', 'data-token': '' }, login.token))),
      h('p', { class: 'hint' }, 'Anyone holding this password can push and pull as you at this registry until it expires. Keep it like a password.'),
    );
    result.hidden = false;
  } catch (error) {
    status.textContent = '';
    result.replaceChildren(h('p', { role: 'alert', class: 'tx-error' }, errorText(error)));
    result.hidden = false;
  }
}
