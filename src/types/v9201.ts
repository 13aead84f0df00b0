import {sts, Result, Option, Bytes, BitSequence} from './support'

export interface DigestInfo {
    digestType: DigestType
    cid: Bytes
}

export type DigestType = DigestType_File | DigestType_Json

export interface DigestType_File {
    __kind: 'File'
}

export interface DigestType_Json {
    __kind: 'Json'
}

export const DigestInfo: sts.Type<DigestInfo> = sts.struct(() => {
    return  {
        digestType: DigestType,
        cid: sts.bytes(),
    }
})

export interface SpaceMetadata {
    owner: AccountId32
    repoName: Bytes
    members: AccountId32[]
    imageNames: Bytes[]
}

export type AccountId32 = Bytes

export const SpaceMetadata: sts.Type<SpaceMetadata> = sts.struct(() => {
    return  {
        owner: AccountId32,
        repoName: sts.bytes(),
        members: sts.array(() => AccountId32),
        imageNames: sts.array(() => sts.bytes()),
    }
})

export const DigestType: sts.Type<DigestType> = sts.closedEnum(() => {
    return  {
        File: sts.unit(),
        Json: sts.unit(),
    }
})

export const AccountId32 = sts.bytes()
