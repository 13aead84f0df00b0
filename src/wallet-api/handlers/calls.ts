// POST /calls/{action}: the unsigned call for an action and the payload a wallet signs for it.
import type { Request, Response } from 'express';
import { checkAddress } from '../../chain';
import { ACTION_NAMES, actionDefinition, isActionName } from '../actions';
import { readBody, requireString } from '../body';
import type { WalletApiContext } from '../context';
import { ApiError } from '../errors';
import { refuseTakenName } from '../name-check';
import { signingBytes, signingPayload } from '../signing-payload';

export async function postCall(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  const action = req.params.action;
  if (!isActionName(action)) throw new ApiError(404, 'UNKNOWN_ACTION', `there is no action "${action}": use one of ${ACTION_NAMES.join(', ')}`);
  const definition = actionDefinition(action);
  const body = readBody(req, `POST /calls/${action}`, ['signer', ...definition.fields]);
  const signer = checkAddress(requireString(body, 'signer', 'the SS58 address of the account that signs'), 'signer');
  const { tx, description } = definition.build(ctx.actions, body);
  if (action === 'create-space') await refuseTakenName(ctx.spaces, body.name as string, 'name');
  const payload = await signingPayload(ctx.actions.api, tx, signer);
  res.json({
    action,
    signer,
    description,
    callData: tx.method.toHex(),
    call: tx.method.toHuman(),
    payload,
    signingBytes: signingBytes(ctx.actions.api, payload),
  });
}
