import {sts, Block, Bytes, Option, Result, StorageType, RuntimeCtx} from '../support'
import * as v9201 from '../v9201'

export const nextSpaceId =  {
    v9201: new StorageType('ContainerRegistry.NextSpaceId', 'Default', [], sts.bigint()) as NextSpaceIdV9201,
}

export interface NextSpaceIdV9201  {
    is(block: RuntimeCtx): boolean
    getDefault(block: Block): bigint
    get(block: Block): Promise<(bigint | undefined)>
}

export const spaces =  {
    v9201: new StorageType('ContainerRegistry.Spaces', 'Optional', [sts.bigint()], v9201.SpaceMetadata) as SpacesV9201,
}

export interface SpacesV9201  {
    is(block: RuntimeCtx): boolean
    get(block: Block, key: bigint): Promise<(v9201.SpaceMetadata | undefined)>
    getMany(block: Block, keys: bigint[]): Promise<(v9201.SpaceMetadata | undefined)[]>
    getKeys(block: Block): Promise<bigint[]>
    getKeys(block: Block, key: bigint): Promise<bigint[]>
    getKeysPaged(pageSize: number, block: Block): AsyncIterable<bigint[]>
    getKeysPaged(pageSize: number, block: Block, key: bigint): AsyncIterable<bigint[]>
    getPairs(block: Block): Promise<[k: bigint, v: (v9201.SpaceMetadata | undefined)][]>
    getPairs(block: Block, key: bigint): Promise<[k: bigint, v: (v9201.SpaceMetadata | undefined)][]>
    getPairsPaged(pageSize: number, block: Block): AsyncIterable<[k: bigint, v: (v9201.SpaceMetadata | undefined)][]>
    getPairsPaged(pageSize: number, block: Block, key: bigint): AsyncIterable<[k: bigint, v: (v9201.SpaceMetadata | undefined)][]>
}

export const manifestDigests =  {
    v9201: new StorageType('ContainerRegistry.ManifestDigests', 'Optional', [sts.tuple(() => [sts.bytes(), sts.bytes(), sts.bytes()])], sts.bytes()) as ManifestDigestsV9201,
}

export interface ManifestDigestsV9201  {
    is(block: RuntimeCtx): boolean
    get(block: Block, key: [Bytes, Bytes, Bytes]): Promise<(Bytes | undefined)>
    getMany(block: Block, keys: [Bytes, Bytes, Bytes][]): Promise<(Bytes | undefined)[]>
    getKeys(block: Block): Promise<[Bytes, Bytes, Bytes][]>
    getKeys(block: Block, key: [Bytes, Bytes, Bytes]): Promise<[Bytes, Bytes, Bytes][]>
    getKeysPaged(pageSize: number, block: Block): AsyncIterable<[Bytes, Bytes, Bytes][]>
    getKeysPaged(pageSize: number, block: Block, key: [Bytes, Bytes, Bytes]): AsyncIterable<[Bytes, Bytes, Bytes][]>
    getPairs(block: Block): Promise<[k: [Bytes, Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairs(block: Block, key: [Bytes, Bytes, Bytes]): Promise<[k: [Bytes, Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairsPaged(pageSize: number, block: Block): AsyncIterable<[k: [Bytes, Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairsPaged(pageSize: number, block: Block, key: [Bytes, Bytes, Bytes]): AsyncIterable<[k: [Bytes, Bytes, Bytes], v: (Bytes | undefined)][]>
}

export const digestInfoStorage =  {
    v9201: new StorageType('ContainerRegistry.DigestInfoStorage', 'Optional', [sts.bytes()], v9201.DigestInfo) as DigestInfoStorageV9201,
}

export interface DigestInfoStorageV9201  {
    is(block: RuntimeCtx): boolean
    get(block: Block, key: Bytes): Promise<(v9201.DigestInfo | undefined)>
    getMany(block: Block, keys: Bytes[]): Promise<(v9201.DigestInfo | undefined)[]>
    getKeys(block: Block): Promise<Bytes[]>
    getKeys(block: Block, key: Bytes): Promise<Bytes[]>
    getKeysPaged(pageSize: number, block: Block): AsyncIterable<Bytes[]>
    getKeysPaged(pageSize: number, block: Block, key: Bytes): AsyncIterable<Bytes[]>
    getPairs(block: Block): Promise<[k: Bytes, v: (v9201.DigestInfo | undefined)][]>
    getPairs(block: Block, key: Bytes): Promise<[k: Bytes, v: (v9201.DigestInfo | undefined)][]>
    getPairsPaged(pageSize: number, block: Block): AsyncIterable<[k: Bytes, v: (v9201.DigestInfo | undefined)][]>
    getPairsPaged(pageSize: number, block: Block, key: Bytes): AsyncIterable<[k: Bytes, v: (v9201.DigestInfo | undefined)][]>
}

export const imageDigestToCid =  {
    v9201: new StorageType('ContainerRegistry.ImageDigestToCid', 'Optional', [sts.bytes(), sts.bytes()], sts.bytes()) as ImageDigestToCidV9201,
}

export interface ImageDigestToCidV9201  {
    is(block: RuntimeCtx): boolean
    get(block: Block, key1: Bytes, key2: Bytes): Promise<(Bytes | undefined)>
    getMany(block: Block, keys: [Bytes, Bytes][]): Promise<(Bytes | undefined)[]>
    getKeys(block: Block): Promise<[Bytes, Bytes][]>
    getKeys(block: Block, key1: Bytes): Promise<[Bytes, Bytes][]>
    getKeys(block: Block, key1: Bytes, key2: Bytes): Promise<[Bytes, Bytes][]>
    getKeysPaged(pageSize: number, block: Block): AsyncIterable<[Bytes, Bytes][]>
    getKeysPaged(pageSize: number, block: Block, key1: Bytes): AsyncIterable<[Bytes, Bytes][]>
    getKeysPaged(pageSize: number, block: Block, key1: Bytes, key2: Bytes): AsyncIterable<[Bytes, Bytes][]>
    getPairs(block: Block): Promise<[k: [Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairs(block: Block, key1: Bytes): Promise<[k: [Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairs(block: Block, key1: Bytes, key2: Bytes): Promise<[k: [Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairsPaged(pageSize: number, block: Block): AsyncIterable<[k: [Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairsPaged(pageSize: number, block: Block, key1: Bytes): AsyncIterable<[k: [Bytes, Bytes], v: (Bytes | undefined)][]>
    getPairsPaged(pageSize: number, block: Block, key1: Bytes, key2: Bytes): AsyncIterable<[k: [Bytes, Bytes], v: (Bytes | undefined)][]>
}
