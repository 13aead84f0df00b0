// The registry's chain errors in words a person understands, addressed to the signer, with what
// to do next. Shared by the CLI and the web page so both say the same thing; the runtime's own
// docs (ChainTxError.docs) stay the fallback for anything not listed here.

export interface ChainErrorWords {
  /** What went wrong, as one sentence without a final period. */
  readonly summary: string;
  /** What to do about it, when there is something to do. */
  readonly fix?: string;
}

const WORDS: Readonly<Record<string, ChainErrorWords>> = {
  'ContainerRegistry.UserAlreadyHasSpace': { summary: 'You already own a space (an account may own one)', fix: 'add members to your space, or create the new one from another account' },
  'ContainerRegistry.SpaceAlreadyExists': { summary: 'A space with this name already exists', fix: 'choose another name' },
  'ContainerRegistry.SpaceNotFound': { summary: 'No space has this id', fix: 'check the space id in the list of spaces' },
  'ContainerRegistry.SpaceDoesNotExist': { summary: 'No space has this name', fix: 'create the space first, or check the name' },
  'ContainerRegistry.NotAuthorized': { summary: 'Only the space\'s owner can add members, and you are not its owner', fix: 'sign with the owner\'s account' },
  'ContainerRegistry.NotSpaceOwner': { summary: 'Only the space\'s owner can record images in it', fix: 'sign as the owner, or let the owner grant the gateway its proxy so pushes are recorded for them' },
  'ContainerRegistry.NotSpaceMember': { summary: 'You are not a member of this space', fix: 'ask the space\'s owner to add you' },
  'ContainerRegistry.MaxSpaceMembersReached': { summary: 'This space has as many members as the registry allows' },
  'ContainerRegistry.RepositoryAlreadyExists': { summary: 'A repository with this name already exists', fix: 'choose another name' },
  'ContainerRegistry.RepositoryNotFound': { summary: 'No repository has this name', fix: 'check the name' },
  'ContainerRegistry.MaxTagsLimitReached': { summary: 'This image has as many tags as the registry allows', fix: 'reuse an existing tag' },
  'ContainerRegistry.MaxImageCidsLimitReached': { summary: 'This image has as many stored versions as the registry allows' },
  'ContainerRegistry.ExceedsMaxLength': { summary: 'A name or value is longer than the registry allows', fix: 'use a shorter one' },
  'ContainerRegistry.EmptyImageName': { summary: 'The image name is empty', fix: 'give an image name' },
  'ContainerRegistry.EmptyDigest': { summary: 'The manifest digest is empty', fix: 'give the manifest\'s digest' },
  'ContainerRegistry.EmptyCid': { summary: 'The manifest CID is empty', fix: 'give the CID the manifest is stored under' },
  'ContainerRegistry.EmptyDigestInfo': { summary: 'The digest is empty', fix: 'give the content\'s digest' },
  'ContainerRegistry.EmptyCidInfo': { summary: 'The CID is empty', fix: 'give the CID the content is stored under' },
  'Proxy.Duplicate': { summary: 'This account already holds that proxy grant from you' },
  'Proxy.NotFound': { summary: 'You have no such proxy grant to remove' },
  'Proxy.TooMany': { summary: 'You have granted as many proxies as the chain allows', fix: 'revoke one you no longer need first' },
  'Proxy.NoSelfProxy': { summary: 'You cannot grant a proxy to your own account', fix: 'give the gateway\'s address, not yours' },
  'Proxy.NotProxy': { summary: 'The account has not granted a proxy to the sender', fix: 'the space owner must grant the gateway its proxy first' },
  'Proxy.Unproxyable': { summary: 'The proxy grant does not allow this call' },
  'InvalidTransaction.Payment': { summary: 'Your account cannot pay the transaction fee', fix: 'fund it with some hALPHA and try again' },
  'InvalidTransaction.BadProof': { summary: 'The chain did not accept the signature', fix: 'sign again against this chain' },
  'InvalidTransaction.Stale': { summary: 'The transaction\'s nonce was already used', fix: 'sign it again' },
};

/** The words for a chain error (`module` and `name`, as on ChainTxError), or undefined when none are written. */
export function chainErrorWords(error: { readonly module: string; readonly name: string }): ChainErrorWords | undefined {
  return WORDS[`${error.module}.${error.name}`];
}

/** One line for people: the summary and the fix, e.g. "You already own a space (…). Add members …". */
export function chainErrorText(error: { readonly module: string; readonly name: string; readonly message: string }): string {
  const words = chainErrorWords(error);
  if (!words) return error.message;
  return words.fix ? `${words.summary}. ${words.fix[0].toUpperCase()}${words.fix.slice(1)}.` : `${words.summary}.`;
}
