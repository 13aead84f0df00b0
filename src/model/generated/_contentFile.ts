import assert from "assert"
import * as marshal from "./marshal"

/**
 * A layer of a manifest: for an artifact, one of its files.
 */
export class ContentFile {
    private _title!: string | undefined | null
    private _mediaType!: string
    private _digest!: string
    private _size!: bigint
    private _annotations!: unknown | undefined | null

    constructor(props?: Partial<Omit<ContentFile, 'toJSON'>>, json?: any) {
        Object.assign(this, props)
        if (json != null) {
            this._title = json.title == null ? undefined : marshal.string.fromJSON(json.title)
            this._mediaType = marshal.string.fromJSON(json.mediaType)
            this._digest = marshal.string.fromJSON(json.digest)
            this._size = marshal.bigint.fromJSON(json.size)
            this._annotations = json.annotations
        }
    }

    get title(): string | undefined | null {
        return this._title
    }

    set title(value: string | undefined | null) {
        this._title = value
    }

    get mediaType(): string {
        assert(this._mediaType != null, 'uninitialized access')
        return this._mediaType
    }

    set mediaType(value: string) {
        this._mediaType = value
    }

    get digest(): string {
        assert(this._digest != null, 'uninitialized access')
        return this._digest
    }

    set digest(value: string) {
        this._digest = value
    }

    get size(): bigint {
        assert(this._size != null, 'uninitialized access')
        return this._size
    }

    set size(value: bigint) {
        this._size = value
    }

    get annotations(): unknown | undefined | null {
        return this._annotations
    }

    set annotations(value: unknown | undefined | null) {
        this._annotations = value
    }

    toJSON(): object {
        return {
            title: this.title,
            mediaType: this.mediaType,
            digest: this.digest,
            size: marshal.bigint.toJSON(this.size),
            annotations: this.annotations,
        }
    }
}
