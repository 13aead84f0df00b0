export enum DigestType {
    File = "File",
    Json = "Json",
}
