#!/usr/bin/env bash
# Makes a minimal base image from this machine's Node and imports it into Docker, for building
# the registry's image where no registry serves node:20 (an air-gapped host, CI without Docker
# Hub): the node binary and the libraries it links, npm, busybox as /bin/sh, CA certificates,
# and a passwd with the image's user (10001). Usage:
#   scripts/node-base-image.sh [IMAGE]        (default hcr-node-base:local; DOCKER_HOST is honoured)
#   docker build --build-arg NODE_IMAGE=hcr-node-base:local -t hippius-registry .
set -euo pipefail
image=${1:-hcr-node-base:local}
node=$(command -v node)
node=$(readlink -f "$node")
case "$($node -p process.versions.node)" in
  20.*|22.*) ;;
  *) echo "node $($node -p process.version) is not Node 20 or 22, which the registry runs on" >&2; exit 2 ;;
esac
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "busybox is missing: apt-get install -y busybox-static" >&2; exit 2; }
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,usr/bin,usr/lib,etc/ssl/certs,tmp,root,app}
chmod 1777 "$root/tmp"
cp "$node" "$root/usr/bin/node"
# The shared libraries node links (libc, libstdc++, libm, libgcc_s…) and the loader, at their paths.
ldd "$node" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
# The rest of glibc that native addons (rollup's, esbuild's, embedded Postgres) and name lookups
# load: librt, libutil, the name-service modules for /etc/hosts and DNS.
for name in librt.so.1 libutil.so.1 libanl.so.1 libresolv.so.2 libnss_files.so.2 libnss_dns.so.2 libz.so.1; do
  for lib in /lib/*-linux-gnu/"$name"; do
    [ -e "$lib" ] && { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
  done
done
cp -a "$npm_dir" "$root/usr/lib/npm"
ln -s ../lib/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -s ../lib/npm/bin/npx-cli.js "$root/usr/bin/npx"
cp "$busybox" "$root/bin/busybox"
for tool in sh mkdir chown rm ls cat env wget; do ln -s busybox "$root/bin/$tool"; done
# Scripts start with #!/usr/bin/env node.
ln -s ../../bin/busybox "$root/usr/bin/env"
# The machine's CA bundle, trusted by Node too (NODE_EXTRA_CA_CERTS): npm in the build then
# reaches the registry the way this machine does, through any TLS proxy the machine trusts.
changes=(--change 'ENV PATH=/usr/bin:/bin' --change 'CMD ["node"]')
if [ -e /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
fi
printf 'root:x:0:0:root:/root:/bin/sh\nhcr:x:10001:10001:registry:/app:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nhcr:x:10001:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
tar -C "$root" -c . | docker import "${changes[@]}" - "$image" >/dev/null
echo "$image: Node $($node -p process.versions.node) from $node"
