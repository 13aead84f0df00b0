export enum ContentState {
    pending = "pending",
    indexed = "indexed",
    mismatch = "mismatch",
    invalid = "invalid",
}
