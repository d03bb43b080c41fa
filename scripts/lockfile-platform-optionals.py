#!/usr/bin/env python3
"""
Restores the foreign-platform optional dependencies npm leaves out of package-lock.json on machines whose
registry mirror lacks them (npm/cli#4828, #8320): without them `npm ci` refuses the lock ("Missing: ... from
lock file"). Run after `npm install`: `npm ci --ignore-scripts 2>&1 | grep Missing: | sed "s/npm error Missing: //" > /tmp/missing.txt;
python3 scripts/lockfile-platform-optionals.py package-lock.json`. Entries get os/cpu/libc from the package name,
so npm skips them on other platforms without fetching them.
"""
lock_path = sys.argv[1]
lock = json.load(open(lock_path))
pk = lock['packages']
names = [l.split('@ from')[0] for l in open('/tmp/missing.txt').read().split('\n') if l.strip()]
OS = ['android','darwin','win32','linux','freebsd','openharmony']
CPU = {'arm64':'arm64','x64':'x64','ia32':'ia32','arm':'arm','ppc64':'ppc64','s390x':'s390x','riscv64':'riscv64','loong64':'loong64'}
for name in names:
    parent = next(((p, e) for p, e in pk.items() if name in (e.get('optionalDependencies') or {})), None)
    if not parent: print('no parent', name); continue
    tail = name.split('/')[-1]
    parts = re.split('-', tail)
    os_ = next((o for o in OS if o in parts), None)
    cpu = next((CPU[c] for c in parts if c in CPU), None)
    entry = {'version': parent[1]['optionalDependencies'][name]}
    if cpu: entry['cpu'] = [cpu]
    if parent[1].get('dev'): entry['dev'] = True
    if 'musl' in tail or 'musleabihf' in tail: entry['libc'] = ['musl']
    elif os_ == 'linux': entry['libc'] = ['glibc']
    entry['optional'] = True
    if os_: entry['os'] = [os_]
    pk[f'node_modules/{name}'] = entry
    print('added', name)
lock['packages'] = dict(sorted(pk.items(), key=lambda kv: (kv[0] != '', kv[0])))
open(lock_path, 'w').write(json.dumps(lock, indent=2) + '\n')
