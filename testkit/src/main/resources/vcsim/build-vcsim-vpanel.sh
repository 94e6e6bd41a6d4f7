#!/bin/bash
# build-vcsim-vpanel.sh OUT : builds OUT/bin/vcsim-vpanel, upstream vcsim with vpanel's test
# extension (vpanel/vpanel_tasks.go: RelocateVM_Task that runs in the background with progress and
# honours CancelTask, when VCSIM_VPANEL_TASK_MS is set). Needs the GOPATH tree build-vcsim.sh OUT
# leaves in OUT/work/gopath (run that first). Idempotent (a stamp of the extension's checksum).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
tree="$out/work/gopath/src/github.com/vmware/govmomi"
[ -d "$tree/vcsim" ] || { echo "no $tree/vcsim: run build-vcsim.sh $out first" >&2; exit 1; }
stamp="$(sha256sum "$here/vpanel/vpanel_tasks.go" "$0" | sha256sum | cut -c1-16)"
if [ -x "$out/bin/vcsim-vpanel" ] && [ "$(cat "$out/bin/.vpanel-stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "up to date: $out/bin/vcsim-vpanel"; exit 0
fi
g="$out/work/vpanel-gopath/src/github.com/vmware"
rm -rf "$out/work/vpanel-gopath" && mkdir -p "$g"
cp -a "$tree" "$g/govmomi"
cp "$here/vpanel/vpanel_tasks.go" "$g/govmomi/simulator/"
vm="$g/govmomi/simulator/virtual_machine.go"
# RelocateVM_Task (only that method) runs its task through RunAsync
awk '/^func \(vm \*VirtualMachine\) RelocateVMTask\(/ {inside=1}
     inside && /Returnval: task.Run\(\),/ {sub(/task.Run\(\)/, "task.RunAsync(ctx)"); inside=0}
     {print}' "$vm" > "$vm.new" && mv "$vm.new" "$vm"
grep -q 'task.RunAsync(ctx)' "$vm" || { echo "could not patch RelocateVMTask in $vm" >&2; exit 1; }
export GO111MODULE=off GOFLAGS='' GOPROXY=off GOTOOLCHAIN=local
cd "$g/govmomi"
GOPATH="$out/work/vpanel-gopath:/usr/share/gocode" nice go build -p 2 -o "$out/bin/vcsim-vpanel" ./vcsim
echo "$stamp" > "$out/bin/.vpanel-stamp"
echo "built $out/bin/vcsim-vpanel"
