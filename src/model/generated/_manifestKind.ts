export enum ManifestKind {
    image = "image",
    index = "index",
}
