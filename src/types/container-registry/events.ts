import {sts, Block, Bytes, Option, Result, EventType, RuntimeCtx} from '../support'
import * as v9201 from '../v9201'

export const spaceCreated =  {
    name: 'ContainerRegistry.SpaceCreated',
    v9201: new EventType(
        'ContainerRegistry.SpaceCreated',
        sts.tuple([sts.bigint(), v9201.AccountId32])
    ),
}

export const memberAdded =  {
    name: 'ContainerRegistry.MemberAdded',
    v9201: new EventType(
        'ContainerRegistry.MemberAdded',
        sts.tuple([sts.bigint(), v9201.AccountId32])
    ),
}

export const manifestDigestUpdated =  {
    name: 'ContainerRegistry.ManifestDigestUpdated',
    v9201: new EventType(
        'ContainerRegistry.ManifestDigestUpdated',
        sts.tuple([sts.bytes(), sts.bytes(), sts.bytes(), sts.bytes()])
    ),
}

export const imageDigestToCidStored =  {
    name: 'ContainerRegistry.ImageDigestToCidStored',
    v9201: new EventType(
        'ContainerRegistry.ImageDigestToCidStored',
        sts.struct({
            who: v9201.AccountId32,
            imageName: sts.bytes(),
            digest: sts.bytes(),
            cid: sts.bytes(),
        })
    ),
}

export const digestInfoStored =  {
    name: 'ContainerRegistry.DigestInfoStored',
    v9201: new EventType(
        'ContainerRegistry.DigestInfoStored',
        sts.struct({
            who: v9201.AccountId32,
            digest: sts.bytes(),
            digestType: v9201.DigestType,
            cid: sts.bytes(),
        })
    ),
}
