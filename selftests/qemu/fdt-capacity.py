#!/usr/bin/env python3
# fdt-capacity.py IN.dtb OUT.dtb CAP...: copy a flattened device tree, adding
# "capacity-dmips-mhz" = CAP[i] to the i-th cpu node under /cpus (in blob order).
#
# The bench host has no dtc or libfdt, so this edits the blob directly (the format is the
# devicetree specification's, version 17): a 40-byte big-endian header, the memory
# reservation block, the structure block (tokens) and the strings block (property names).
# The new property goes right after each cpu node's BEGIN_NODE token (properties come
# before subnodes, so the front of the node is always a valid place); its name is appended
# to the strings block. The output keeps the blocks in the order rsvmap, struct, strings,
# with no free space at the end (QEMU grows the blob it loads with -dtb). Fails unless the
# tree has exactly as many cpu nodes as capacities, none of them already with the property.
import struct
import sys

FDT_MAGIC = 0xD00DFEED
BEGIN_NODE, END_NODE, PROP, NOP, END = 1, 2, 3, 4, 9
PROPNAME = b"capacity-dmips-mhz"


def align4(n):
    return (n + 3) & ~3


def fail(msg):
    sys.exit("fdt-capacity: " + msg)


def main():
    if len(sys.argv) < 4:
        fail("usage: fdt-capacity.py IN.dtb OUT.dtb CAP...")
    caps = [int(c) for c in sys.argv[3:]]
    blob = open(sys.argv[1], "rb").read()
    if len(blob) < 40:
        fail("too short for a header")
    (magic, total, off_struct, off_strings, off_rsv, version, last_comp, boot_cpu,
     size_strings, size_struct) = struct.unpack(">10I", blob[:40])
    if magic != FDT_MAGIC or version < 17 or total > len(blob):
        fail("not a version-17 flattened device tree")
    if not (40 <= off_rsv <= off_struct and off_struct + size_struct <= off_strings and
            off_strings + size_strings <= total):
        fail("unexpected block layout")
    strings = blob[off_strings:off_strings + size_strings]
    if PROPNAME + b"\0" in strings:
        fail("the strings block already names " + PROPNAME.decode())
    nameoff = len(strings)

    out = bytearray()
    pos, end = off_struct, off_struct + size_struct
    path = []
    cpus = 0
    while pos < end:
        (tok,) = struct.unpack(">I", blob[pos:pos + 4])
        if tok == BEGIN_NODE:
            nul = blob.index(b"\0", pos + 4)
            name = blob[pos + 4:nul].decode()
            nxt = align4(nul + 1)
            out += blob[pos:nxt]
            path.append(name)
            if len(path) == 3 and path[1] == "cpus" and name.startswith("cpu@"):
                if cpus >= len(caps):
                    fail("more cpu nodes than capacities")
                out += struct.pack(">IIII", PROP, 4, nameoff, caps[cpus])
                cpus += 1
            pos = nxt
        elif tok == END_NODE:
            if not path:
                fail("unbalanced END_NODE")
            path.pop()
            out += blob[pos:pos + 4]
            pos += 4
        elif tok == PROP:
            length, _ = struct.unpack(">II", blob[pos + 4:pos + 12])
            nxt = pos + 12 + align4(length)
            out += blob[pos:nxt]
            pos = nxt
        elif tok == NOP:
            out += blob[pos:pos + 4]
            pos += 4
        elif tok == END:
            out += blob[pos:pos + 4]
            pos += 4
            break
        else:
            fail("unknown token %#x at %#x" % (tok, pos))
    if path or cpus != len(caps):
        fail("%d cpu nodes for %d capacities" % (cpus, len(caps)))

    new_strings = strings + PROPNAME + b"\0"
    new_struct = bytes(out)
    head_rsv = blob[40:off_struct]          # the rsvmap block and any padding before struct
    n_struct = off_struct
    n_strings = n_struct + len(new_struct)
    n_total = n_strings + len(new_strings)
    header = struct.pack(">10I", FDT_MAGIC, n_total, n_struct, n_strings, off_rsv, version,
                         last_comp, boot_cpu, len(new_strings), len(new_struct))
    with open(sys.argv[2], "wb") as f:
        f.write(header + head_rsv + new_struct + new_strings)


main()
