#!/usr/bin/env python3
"""check_json_report.py SIM ELF REPORT halyard_target_params.h

Runs halyard-sim --json on a program and checks the report: the fields,
one entry per core, and that each core's cycles add up (retired instructions
plus every stall cause) for a program with no traps."""
import json
import subprocess
import sys

sim, elf, report, header = sys.argv[1:5]
# the core count from the generated target header (cluster.target)
cores = next(int(l.split()[2]) for l in open(header) if l.startswith('#define HALYARD_CORES '))
run = subprocess.run([sim, '--quiet', '--json', report, elf], stdout=subprocess.PIPE, text=True)
if run.returncode != 0:
    sys.exit('program failed: %d' % run.returncode)
r = json.load(open(report))
for key in ['exit_code', 'cycles', 'sim_cycles_per_second', 'tcdm_conflicts', 'dma', 'cores']:
    if key not in r:
        sys.exit('missing key %s' % key)
if len(r['cores']) != cores:
    sys.exit('%d cores in the report, want %d' % (len(r['cores']), cores))
parts = ['instret', 'load_use_stalls', 'tcdm_conflict_stalls', 'l2_wait_cycles', 'branch_penalty_cycles',
         'sleep_cycles', 'multicycle_stalls']
for c in r['cores']:
    total = sum(c[p] for p in parts)
    if total != c['cycles'] or c['cycles'] != r['cycles']:
        sys.exit('core %d: cycles %d, parts add up to %d, run %d' % (c['core'], c['cycles'], total, r['cycles']))
if r['dma']['bytes'] <= 0:
    sys.exit('no DMA bytes reported')
print('json report ok: %d cycles, %d cores, dma %d bytes' % (r['cycles'], cores, r['dma']['bytes']))
