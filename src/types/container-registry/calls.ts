import {sts, Block, Bytes, Option, Result, CallType, RuntimeCtx} from '../support'
import * as v9201 from '../v9201'

export const createSpace =  {
    name: 'ContainerRegistry.create_space',
    /**
     * Create the caller's space, named `name`.
     */
    v9201: new CallType(
        'ContainerRegistry.create_space',
        sts.struct({
            name: sts.bytes(),
        })
    ),
}

export const addSpaceMember =  {
    name: 'ContainerRegistry.add_space_member',
    /**
     * Add a member to a space the caller owns.
     */
    v9201: new CallType(
        'ContainerRegistry.add_space_member',
        sts.struct({
            spaceId: sts.bigint(),
            newMember: v9201.AccountId32,
        })
    ),
}

export const addManifestHeadDigestAndManifestJsonCid =  {
    name: 'ContainerRegistry.add_manifest_head_digest_and_manifest_json_cid',
    /**
     * Point a tag (default `latest`) of an image at a manifest digest and record the manifest's CID.
     */
    v9201: new CallType(
        'ContainerRegistry.add_manifest_head_digest_and_manifest_json_cid',
        sts.struct({
            repoName: sts.bytes(),
            imageName: sts.bytes(),
            tag: sts.option(() => sts.bytes()),
            digest: sts.bytes(),
            cid: sts.bytes(),
        })
    ),
}

export const storeDigestInfo =  {
    name: 'ContainerRegistry.store_digest_info',
    /**
     * Record the CID holding the content of a digest.
     */
    v9201: new CallType(
        'ContainerRegistry.store_digest_info',
        sts.struct({
            repoName: sts.bytes(),
            digest: sts.bytes(),
            digestType: v9201.DigestType,
            cid: sts.bytes(),
        })
    ),
}
