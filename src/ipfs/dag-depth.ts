// How deep a UnixFS file's DAG may be for any walk here (a store's reads, a CAR, a bundle). No
// file this registry imports comes near it: the importer's balanced layout of 174 links a node is
// 4 levels deep at 16 GiB, a trickle DAG a few dozen. Anyone can record the CID of a chain of
// nodes thousands of levels deep; past this bound it is refused rather than walked, so one
// such record cannot cost a walk thousands of reads before its bytes are found wrong.

/** Levels below the root a walk descends at most (the root is level 0). */
export const MAX_DAG_DEPTH = 128;
