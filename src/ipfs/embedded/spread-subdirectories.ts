// Marks the blockstore's directory with ext4's "top of directory hierarchy" attribute (chattr +T),
// so the allocator spreads its shard directories over the filesystem's block groups instead of
// packing them into the parent's group.
//
// Why: an ordinary add writes one file per 256 KiB block, so adding 200 MB creates about eight
// hundred files (the gateway's uploads are the exception: they keep their leaves in one file). On an ext4 without a journal, allocating an inode passes over every free inode in the
// group that was deleted recently (a window of many minutes), checking each one's deletion time.
// In a group where many files were deleted (a cleaned-up data dir, a removed checkout, test
// runs), each new file then costs up to a millisecond of kernel time. Other groups do not.
// Elsewhere the attribute only changes where directories go, and on other filesystems, or
// without chattr (e2fsprogs), nothing happens.
import { execFile } from 'node:child_process';

/** Resolves with whether the attribute is set; never rejects. */
export function spreadSubdirectories(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('chattr', ['+T', dir], { timeout: 5000 }, (error) => resolve(!error));
  });
}
