import assert from "assert"
import * as marshal from "./marshal"

/**
 * A manifest listed by an index.
 */
export class ContentChild {
    private _digest!: string
    private _mediaType!: string
    private _size!: bigint
    private _platform!: string | undefined | null
    private _artifactType!: string | undefined | null

    constructor(props?: Partial<Omit<ContentChild, 'toJSON'>>, json?: any) {
        Object.assign(this, props)
        if (json != null) {
            this._digest = marshal.string.fromJSON(json.digest)
            this._mediaType = marshal.string.fromJSON(json.mediaType)
            this._size = marshal.bigint.fromJSON(json.size)
            this._platform = json.platform == null ? undefined : marshal.string.fromJSON(json.platform)
            this._artifactType = json.artifactType == null ? undefined : marshal.string.fromJSON(json.artifactType)
        }
    }

    get digest(): string {
        assert(this._digest != null, 'uninitialized access')
        return this._digest
    }

    set digest(value: string) {
        this._digest = value
    }

    get mediaType(): string {
        assert(this._mediaType != null, 'uninitialized access')
        return this._mediaType
    }

    set mediaType(value: string) {
        this._mediaType = value
    }

    get size(): bigint {
        assert(this._size != null, 'uninitialized access')
        return this._size
    }

    set size(value: bigint) {
        this._size = value
    }

    /**
     * os/architecture[/variant], when the index names one
     */
    get platform(): string | undefined | null {
        return this._platform
    }

    set platform(value: string | undefined | null) {
        this._platform = value
    }

    get artifactType(): string | undefined | null {
        return this._artifactType
    }

    set artifactType(value: string | undefined | null) {
        this._artifactType = value
    }

    toJSON(): object {
        return {
            digest: this.digest,
            mediaType: this.mediaType,
            size: marshal.bigint.toJSON(this.size),
            platform: this.platform,
            artifactType: this.artifactType,
        }
    }
}
