// POST /login/message and POST /login/token: the sign-in message for the wallet's signRaw, and
// the docker login token made from its signature.
import type { Request, Response } from 'express';
import { optionalInteger, readBody, requireString } from '../body';
import { registryDomainOf, type WalletApiContext } from '../context';
import { dockerLoginFromSignature, loginChallenge } from '../docker-login';

export function postLoginMessage(ctx: WalletApiContext, req: Request, res: Response): void {
  const body = readBody(req, 'POST /login/message', ['address', 'ttlSeconds']);
  const address = requireString(body, 'address', 'the SS58 address of the account that logs in');
  const ttl = optionalInteger(body, 'ttlSeconds', 'a lifetime in seconds, for example 43200 (12 hours)');
  res.json(loginChallenge(registryDomainOf(ctx), address, ttl));
}

export async function postLoginToken(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  const body = readBody(req, 'POST /login/token', ['message', 'signature']);
  const message = requireString(body, 'message', 'the message from POST /login/message, unchanged');
  const signature = requireString(body, 'signature', 'the 0x-prefixed hex signature the wallet\'s signRaw returned');
  res.json(await dockerLoginFromSignature(registryDomainOf(ctx), message, signature));
}
