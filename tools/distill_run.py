"""Distil the bundled model into the 4-step student and measure it: the one command behind the shipped
`textdiff_mnist/weights/textdiff_mnist_fast.pt`, `results/distill.json` and `results/distill_rounds.png` (chapter 19).

    python tools/distill_run.py --out runs/distill            # everything, into runs/distill (resumes if interrupted)
    python tools/distill_run.py --out runs/distill --ship     # ... then copy the student and results into the package
    python tools/distill_run.py --quick --out /tmp/d          # the same pipeline at toy sizes (seconds), for the tests

Steps, each cached in OUT (a rerun skips what is done; distillation resumes mid-stage):
1. distil the teacher (default: the bundled weights) with chapter 19's `DistillConfig`, measuring every stage's student
   (`measure_student` at `round_steps`, 50 prompts per digit, seed 0) -> OUT/stage{k}.pt, OUT/summary.json;
2. the teacher's rows (its 20-step default at 50/digit, and 200/digit x seeds 0 and 1 with held-out phrasings and attributes),
   in a second process while 1 runs (`--serial`: after it);
3. export the student (float16, model card) and measure it as the teacher in 2, with the fast sampler;
4. CAS: `write_dataset` of 60,000 fast digits + `cas_benchmark` (a second process while 3 and 5 run, with a third writing
   the dataset's chunks from the far end); 5. the rounds picture; 6. `speed_compare` with 2 torch threads and with 1, last,
   when the run's other processes have ended (a timing beside a busy process measures the machine, not the sampler), in a
   process of its own with OpenMP's default thread waiting (the other processes wait passively, which suits a busy machine);
7. `check_targets`, OUT/distill.json and OUT/textdiff_mnist_fast.pt with the full card; `--ship` copies both and the picture.
Every process runs with `--threads` torch threads (default 1). Exit status 2 with one line on stderr for bad use.
"""
from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys, time
from dataclasses import dataclass, asdict
from pathlib import Path
TIMING_ENV = 'TEXTDIFF_DISTILL_TIMING'   # set in the timing process: OpenMP as users get it
if os.environ.get(TIMING_ENV) != '1':    # before torch starts OpenMP: with more threads than free cores (a shared machine), spinning
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')   # threads made 2-thread timings 15x slower than 1-thread ones here; but alone,
import numpy as np                       # PASSIVE threads wake slowly and made ten fast digits 2x slower (0.18 s vs 0.08 s at 2 threads)
import torch

ROOT = Path(__file__).resolve().parent.parent
STAGE_KEYS = ('n', 'steps', 'accuracy', 'fid_ratio', 'fid', 'fid_floor', 'sec_per_image')
ROW_KEYS = ('n', 'accuracy', 'fid_ratio', 'heldout_accuracy', 'attr_thickness', 'attr_slant', 'attr_width', 'n_heldout', 'n_attr',
            'fid', 'fid_floor', 'sec_per_image')
ATTRS = ('attr_thickness', 'attr_slant', 'attr_width')

@dataclass
class Plan:
    "Sample sizes of the measurements (the full run's, or `--quick`'s toy ones)."
    stage_n: int = 50              # prompts per digit for the teacher row and every stage's student (seed 0)
    final_n: int = 200             # prompts per digit of the final side-by-side rows, per seed
    final_heldout: int = 20        # held-out-phrasing prompts per digit, per seed
    final_attr: int = 10           # images per (digit, attribute, level), per seed
    seeds: tuple = (0, 1)
    speed_repeats: int = 7
    speed_batch: int = 250
    cas_n: int = 60_000            # generated digits the CAS classifier trains on (--cas-n)
    cas_epochs: int = 6
    cas_chunk: int = 1000
    cas_test: int | None = None    # real test digits the CAS classifier is scored on (None: all 10,000)
    speed_threads: int = 2         # the headline timing's torch threads (and always a second one with 1 thread)

QUICK = Plan(stage_n=1, final_n=1, final_heldout=1, final_attr=1, speed_repeats=1, speed_batch=10, cas_n=60, cas_epochs=1, cas_chunk=10,
             cas_test=200, speed_threads=1)

def quick_config():
    from textdiff_mnist.distill import DistillConfig
    return DistillConfig(bake_steps=2, rounds=((4, 2),), batch_size=4, warmup=1, ckpt_every=1)

def tiny_teacher(path):
    "`--quick`'s teacher: an untrained `TINY_CONFIG` model (seeded), saved as a checkpoint."
    from textdiff_mnist.unet import DiffusionModel, TINY_CONFIG
    from textdiff_mnist.checkpoint import CKPT_FORMAT, save_checkpoint
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0); m = DiffusionModel(TINY_CONFIG)
    return save_checkpoint(path, dict(format=CKPT_FORMAT, model_config=m.config(), ema=m.state_dict()))

def log(msg): print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

def fail(msg):
    print(f"distill_run: {msg}", file=sys.stderr); sys.exit(2)

def write_json(path, obj):
    from textdiff_mnist.core import atomic_write
    with atomic_write(path) as tmp: Path(tmp).write_text(json.dumps(obj, indent=1, ensure_ascii=False) + '\n')

def trim(row: dict, keys) -> dict: return {k: row.get(k) for k in keys if row.get(k) is not None}

def _alive(pid: int) -> bool:
    try: os.kill(pid, 0); return Path(f'/proc/{pid}/cmdline').read_bytes().find(b'distill_run') >= 0
    except (OSError, ValueError): return False

class _Waiter:
    "A part's process started by an earlier start of the command: wait until it is gone (its cached result tells whether it worked)."
    def __init__(self, pid): self.pid = pid
    def poll(self): return None if _alive(self.pid) else 0
    def wait(self):
        while _alive(self.pid): time.sleep(5)
        return 0
    def terminate(self): os.kill(self.pid, 15)

class Run:
    "One run directory: its teacher, recipe and plan, and the cached parts (`OUT/parts/NAME.json`)."
    def __init__(self, a):
        from textdiff_mnist.distill import DistillConfig
        from textdiff_mnist.generation import bundled_weights
        from textdiff_mnist.checkpoint import load_model, weights_fingerprint
        self.a, self.out = a, Path(a.out)
        self.plan, self.cfg = (QUICK, quick_config()) if a.quick else (Plan(), DistillConfig())
        if a.cas_n: self.plan = Plan(**{**asdict(self.plan), 'cas_n': a.cas_n})
        self.teacher_path = Path(a.teacher) if a.teacher else self.out/'tiny_teacher.pt' if a.quick else bundled_weights()
        if a.quick and not a.teacher and not self.teacher_path.exists(): tiny_teacher(self.teacher_path)
        if not self.teacher_path.is_file(): fail(f"teacher weights {self.teacher_path} do not exist")
        self.teacher = load_model(self.teacher_path).eval()
        self.teacher_fp = weights_fingerprint(self.teacher)
        self.parts = self.out/'parts'; self.parts.mkdir(parents=True, exist_ok=True)
        ident = dict(teacher=self.teacher_fp, config=json.loads(json.dumps(asdict(self.cfg))), plan=json.loads(json.dumps(asdict(self.plan))),
                     quick=bool(a.quick))
        idf = self.out/'run.json'
        strip = lambda d: {**d, 'plan': {k: v for k, v in d['plan'].items() if k != 'cas_n'}}    # the CAS size may change: its part is per size
        if idf.exists() and strip(old := json.loads(idf.read_text())) != strip(ident):
            fail(f"{self.out} holds a run with another teacher, recipe or plan ({old}); use another --out or delete it")
        sf = self.out/'summary.json'        # stages of an earlier distillation here (e.g. chapter 19's FULL_RUN) must match too
        if sf.exists() and ((old := json.loads(sf.read_text()))['teacher'] != self.teacher_fp or old['config'] != ident['config']):
            fail(f"{sf} holds stages distilled from teacher {old['teacher']} with {old['config']}; use another --out or delete it")
        write_json(idf, ident)
        self._ev = None

    @property
    def ev(self):
        from textdiff_mnist.evaluator import load_evaluator
        if self._ev is None: self._ev = load_evaluator()
        return self._ev

    def _file(self, name) -> Path: return self.parts/(f'cas{self.plan.cas_n}.json' if name == 'cas' else f'{name}.json')

    def part(self, name, fn):
        "The cached result of part `name`, computing (and caching) it with `fn()` if missing."
        f = self._file(name)
        if f.exists(): return json.loads(f.read_text())
        log(f"{name}: start"); t0, c0 = time.perf_counter(), time.process_time()
        r = fn(); r['_cost'] = dict(wall_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0)
        write_json(f, r); log(f"{name}: done in {r['_cost']['wall_s']:.0f} s wall")
        return r

    def spawn(self, name, env=None):
        "Compute part `name` in a second process (same arguments, environment `env`); returns the process, or None if the part is cached."
        if self._file(name).exists(): return None
        pf = self.out/f'{name}.pid'
        if pf.exists() and _alive(pid := int(pf.read_text())):       # still running from an earlier start of this command
            log(f"{name}: already running in process {pid}"); return _Waiter(pid)
        args = [sys.executable, __file__, '--out', str(self.out), '--part', name, '--threads', str(self.a.threads)]
        if self.a.quick: args.append('--quick')
        if self.a.parallel: args.append('--parallel')
        if self.a.cas_n: args += ['--cas-n', str(self.a.cas_n)]
        if self.a.teacher: args += ['--teacher', str(self.a.teacher)]
        logf = open(self.out/f'{name}.log', 'a')
        log(f"{name}: started in process {(p := subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, env=env)).pid} (log {self.out/f'{name}.log'})")
        pf.write_text(str(p.pid))
        return p

    def join(self, name, proc):
        "Wait for `spawn`'s process (or compute here if none ran) and return the part."
        if proc is not None and proc.wait() != 0: log(f"{name}: its process failed (see {self.out/f'{name}.log'}); computing it here")
        return self.part(name, getattr(self, f'_{name}'))

    # ---- the parts -------------------------------------------------------------------------------------------
    def _teacher(self) -> dict:
        "The teacher's 20-step default: the stage-table row (seed 0) and the final rows (every seed)."
        from textdiff_mnist.bench import Setting, measure_setting
        from textdiff_mnist.generation import DEFAULT_SAMPLER, DEFAULT_STEPS, DEFAULT_GUIDANCE
        P = self.plan
        row, _ = measure_setting(self.teacher, Setting(DEFAULT_SAMPLER, DEFAULT_STEPS, DEFAULT_GUIDANCE, P.stage_n), self.ev, 0)
        rows = []
        for seed in P.seeds:
            r, _ = measure_setting(self.teacher, Setting(DEFAULT_SAMPLER, DEFAULT_STEPS, DEFAULT_GUIDANCE, P.final_n, P.final_heldout, P.final_attr), self.ev, seed)
            rows.append(dict(label=f"default (teacher): {DEFAULT_SAMPLER} {DEFAULT_STEPS} steps, guided", seed=seed, **trim(r, ROW_KEYS)))
        return dict(teacher_row=dict(trim(row, STAGE_KEYS), seeds=[0]), rows=rows)

    def student(self):
        "The exported student (float16 weights read back, as `generate` runs it), with `fast_steps` set."
        from textdiff_mnist.generation import model_for
        return model_for('fast', self.out/'student.pt').eval()

    def _fast(self) -> dict:
        from textdiff_mnist.bench import Setting, measure_setting
        P, st, k = self.plan, self.student(), self.cfg.student_steps
        rows = []
        for seed in P.seeds:
            r, _ = measure_setting(st, Setting('fast', k, 0.0, P.final_n, P.final_heldout, P.final_attr), self.ev, seed)
            rows.append(dict(label=f"fast (student): ddim {k} steps", seed=seed, **trim(r, ROW_KEYS)))
        return dict(rows=rows)

    def _speed(self) -> dict:
        from textdiff_mnist.distill import speed_compare
        P, st, n = self.plan, self.student(), torch.get_num_threads()
        try:
            torch.set_num_threads(P.speed_threads); la = os.getloadavg()[0]
            two = dict(speed_compare(self.teacher, st, self.cfg.student_steps, P.speed_repeats, P.speed_batch), load_avg=la)
            torch.set_num_threads(1); la = os.getloadavg()[0]
            one = dict(speed_compare(self.teacher, st, self.cfg.student_steps, P.speed_repeats, P.speed_batch), load_avg=la)
        finally: torch.set_num_threads(n)
        return dict(two, one_thread=one)

    def _cas(self) -> dict:
        from textdiff_mnist.fast import write_dataset
        from textdiff_mnist.distill import cas_score
        from textdiff_mnist.evaluator import evaluate_accuracy
        from textdiff_mnist.data import load_mnist
        P, npz = self.plan, self.out/f'synth{self.plan.cas_n}.npz'
        t0, c0 = time.perf_counter(), time.process_time()
        if not npz.exists():
            helper = None if self.serial else self.spawn('cas_gen')    # writes chunks from the far end meanwhile
            write_dataset(npz, P.cas_n, 'fast', seed=0, chunk=P.cas_chunk, checkpoint=self.out/'student.pt', progress=False)
            if helper is not None and helper.poll() is None: helper.terminate(); helper.wait()
        gen = dict(wall_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0, processes=1 if self.serial else 2)
        mn = load_mnist(); test = (mn.test_x[:P.cas_test], mn.test_y[:P.cas_test])
        with np.load(npz) as z: r = cas_score(z['images'], z['labels'], P.cas_epochs, 0, test=test)    # = cas_benchmark(npz) on the full test set
        return {'run': True, 'real_trained': evaluate_accuracy(self.ev, *test), 'epochs': P.cas_epochs, 'n_test': len(test[1]),
                'threads': torch.get_num_threads(), f'n{P.cas_n}': dict(cas=r['cas'], train_s=r['train_s'], generation=gen), 'cas': r['cas']}

    def _cas_gen(self):
        "Help `write_dataset` (in another process, going forward): write the CAS dataset's chunk files from the last one backwards, as it would."
        from textdiff_mnist.fast import dataset_prompts, dataset_seed, _chunk_file, _dataset_sampler
        from textdiff_mnist.core import atomic_write, to_uint8
        P, npz = self.plan, self.out/f'synth{self.plan.cas_n}.npz'
        parts = npz.with_name(npz.name + '.parts'); parts.mkdir(parents=True, exist_ok=True)
        _, sampler = _dataset_sampler('fast', self.out/'student.pt', None, 20, 0.0, None)
        prompts, _ = dataset_prompts(P.cas_n, 0)
        try:
            for k in reversed(range(-(-P.cas_n // P.cas_chunk))):
                if npz.exists() or not parts.exists(): return
                if _chunk_file(parts, k).exists(): continue
                ix = range(k * P.cas_chunk, min(P.cas_n, (k + 1) * P.cas_chunk))
                imgs = sampler([prompts[i] for i in ix], [dataset_seed(0, i) for i in ix])
                with atomic_write(_chunk_file(parts, k)) as tmp, open(tmp, 'wb') as f: np.save(f, to_uint8(imgs))
                log(f"cas_gen: chunk {k}")
        except OSError: return           # write_dataset finished (and removed the parts) first

    def rounds_picture(self, dest):
        "Rows: the teacher's default, then every stage's student at the step counts it is measured at; the same prompts and seeds in every row."
        from textdiff_mnist.core import DIGIT_WORDS, image_grid, save_image
        from textdiff_mnist.samplers import sample
        from textdiff_mnist.checkpoint import read_checkpoint, model_from_checkpoint
        from textdiff_mnist.distill import _stages, round_steps
        from textdiff_mnist.generation import DEFAULT_SAMPLER, DEFAULT_STEPS, DEFAULT_GUIDANCE, DEFAULT_SCHEDULE
        prompts, seeds = list(DIGIT_WORDS) * 2, list(range(20))
        rows = [('teacher', sample(self.teacher, prompts, DEFAULT_SAMPLER, DEFAULT_STEPS, DEFAULT_GUIDANCE, seeds, guidance_schedule=DEFAULT_SCHEDULE))]
        for stage, ssteps, _ in _stages(self.cfg):
            f = self.out/f'stage{stage}.pt'; m = model_from_checkpoint(read_checkpoint(f), f).eval()
            for s in round_steps(stage, ssteps, self.cfg):
                rows.append((f"A: ddim {s}" if stage == 0 else f"round{stage}: {s}", sample(m, prompts, 'ddim', s, 0.0, seeds)))
        labels = [lab if i == 0 else '' for lab, _ in rows for i in range(len(prompts))]
        return save_image(image_grid(torch.cat([im for _, im in rows]), labels, ncols=len(prompts)), dest)

# ---- the whole run ---------------------------------------------------------------------------------------------
def mean(rows, key): return float(np.mean([r[key] for r in rows]))

def assemble(run: Run, summary, teacher, fast, speed, cas, student_fp, found=()) -> dict:
    "results/distill.json: the structure chapter 19 and the index read (`found`: stages already in the run directory when this start began)."
    from textdiff_mnist.distill import check_targets
    from textdiff_mnist.bench import machine_label
    P, cfg = run.plan, run.cfg
    stages = [dict({k: s[k] for k in ('stage', 'student_steps', 'steps', 'cpu_s', 'wall_s', 'final_loss')},
                   measured=[trim(r, STAGE_KEYS) for r in s['measured']], seeds=[0]) for s in summary['stages']]
    fm = {k: mean(fast['rows'], k) for k in ('accuracy', 'fid_ratio', 'heldout_accuracy')}
    fm.update({k: int(min(r[k] for r in fast['rows'])) for k in ATTRS})      # wins of the worse seed
    tm = {k: mean(teacher['rows'], k) for k in ('accuracy', 'fid_ratio', 'heldout_accuracy')}
    threads = sorted({s['threads'] for s in summary['stages'] if s.get('threads')}) or [run.a.threads]   # as each stage recorded it
    cost = dict(cpu_s=sum(s['cpu_s'] for s in stages), wall_s=sum(s['wall_s'] for s in stages), threads=threads[0] if len(threads) == 1 else threads,
                note="each stage's process CPU time (over all its torch threads) and elapsed time, recorded when it was trained"
                     + (f"; stages {', '.join(map(str, found))} were in the run directory before this start (an earlier start, or another "
                        "run of the same recipe and teacher) and were measured here" if found else ''))
    speed = {k: v for k, v in speed.items() if k != '_cost'}; cas = {k: v for k, v in cas.items() if k != '_cost'}
    for f in sorted(run.parts.glob('cas*.json')):             # CAS runs of other sizes in this run directory: kept beside
        other = json.loads(f.read_text()); cas.update({k: v for k, v in other.items() if k[:1] == 'n' and k[1:].isdigit() and k not in cas})
    targets = check_targets(fm, speed, cost['cpu_s'], cas['cas'])
    missed = [k for k, v in targets.items() if v[2] is False]
    k = cfg.student_steps; n_cas = f'n{P.cas_n}'
    summ = (f"Fast sampler ({k} DDIM steps of the distilled student, one pass each) vs the 20-step default, {P.final_n} prompts per digit x "
            f"{len(P.seeds)} seeds: accuracy {100 * fm['accuracy']:.2f}% vs {100 * tm['accuracy']:.2f}%, Fréchet ratio {fm['fid_ratio']:.2f} vs "
            f"{tm['fid_ratio']:.2f} (gap {fm['fid_ratio'] - tm['fid_ratio']:+.2f}), held-out phrasing {100 * fm['heldout_accuracy']:.1f}% vs "
            f"{100 * tm['heldout_accuracy']:.1f}%; ten digits {speed['ten_s']['fast']:.3f} s vs {speed['ten_s']['default']:.3f} s "
            f"({speed['speedup']:.1f}x); distillation {cost['cpu_s'] / 60:.1f} CPU min ({cost['wall_s'] / 60:.1f} wall min, shared machine). "
            f"CAS {100 * cas['cas']:.2f}% with {P.cas_n:,} generated digits (the evaluator trained on real digits: {100 * cas['real_trained']:.2f}%). "
            + (f"Targets missed: {', '.join(missed)}. The default stays dpm 20." if missed else
               "Every target met. The default stays dpm 20, held to the model's own targets (accuracy >= 99.5% at a Fréchet ratio <= 1.30); "
               "fast is the default of the dataset writer and of as-you-type."))
    return dict(machine=machine_label(), threads=run.a.threads, config=json.loads(json.dumps(asdict(cfg))), teacher=run.teacher_fp,
                student=student_fp, teacher_row=teacher['teacher_row'], stages=stages,
                final=dict(n_per_digit=P.final_n, seeds=list(P.seeds), rows=teacher['rows'] + fast['rows'], fast_mean=fm, teacher_mean=tm,
                           note=("one run of tools/distill_run.py: the teacher rows were computed in a second process (same code, seeds and "
                                 "machine) while the distillation ran; accuracy and Fréchet are deterministic given the seeds; the attribute "
                                 "wins of fast_mean are those of the worse seed; timings come from speed_compare in one process")),
                speed=speed, cost=cost, targets=targets, cas=cas, summary=summ,
                command=' '.join(['python tools/distill_run.py'] + [x for x in sys.argv[1:]]),
                quick=bool(run.a.quick))

def card_results(res: dict) -> dict:
    "What the student's model card carries of the results."
    return dict(fast_mean=res['final']['fast_mean'], teacher_mean=res['final']['teacher_mean'], n_per_digit=res['final']['n_per_digit'],
                seeds=res['final']['seeds'], ten_digits_s=res['speed']['ten_s'], speedup=res['speed']['speedup'],
                per_image_s=res['speed']['per_image_s'], targets_missed=[k for k, v in res['targets'].items() if v[2] is False],
                machine=res['machine'], cas=res['cas'], command=res['command'])

def copy_atomic(src, dest):
    from textdiff_mnist.core import atomic_write
    with atomic_write(dest) as tmp: shutil.copyfile(src, tmp)

def ship(run: Run, out: Path):
    "Copy the run's student, results and picture into the package; refused for a --quick run or another teacher than the bundled one."
    from textdiff_mnist.checkpoint import load_model, weights_fingerprint
    if run.a.quick: fail("a --quick run is never shipped")
    w = ROOT/'textdiff_mnist/weights'           # this checkout's package (the code may run from a snapshot on PYTHONPATH)
    if run.teacher_fp != weights_fingerprint(load_model(w/'textdiff_mnist.pt')): fail(f"the run's teacher is not the bundled model {w/'textdiff_mnist.pt'}: not shipped")
    for src, dest in ((out/'textdiff_mnist_fast.pt', w/'textdiff_mnist_fast.pt'), (out/'distill.json', ROOT/'results/distill.json'),
                      (out/'distill_rounds.png', ROOT/'results/distill_rounds.png')):
        copy_atomic(src, dest); log(f"shipped {src} -> {dest}")

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument('--out', default=str(ROOT/'runs/distill'), help='run directory (resumed if it holds an unfinished run of the same recipe)')
    p.add_argument('--teacher', default=None, help='teacher weights (default: the bundled model)')
    p.add_argument('--quick', action='store_true', help='toy recipe and sample sizes: the whole pipeline in seconds (never shipped)')
    p.add_argument('--ship', action='store_true', help='copy the student, distill.json and the picture into the package when done')
    p.add_argument('--serial', action='store_true', help='no second process: every part in this one (slower in wall time)')
    p.add_argument('--parallel', action='store_true', help='with --quick: the second processes all the same (as the full run)')
    p.add_argument('--cas-n', type=int, default=None, help='generated digits for the CAS (default 60,000; a smaller set scores lower)')
    p.add_argument('--threads', type=int, default=1, help='torch threads per process (default 1)')
    p.add_argument('--part', default=None, choices=('teacher', 'cas', 'cas_gen', 'speed'), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.threads < 1: fail(f"--threads must be at least 1, got {a.threads}")
    if a.quick and a.ship: fail("a --quick run is never shipped: drop --ship")
    torch.set_num_threads(a.threads)
    run = Run(a)
    run.serial = a.serial or (a.quick and not a.parallel)      # --quick: one process (seconds, not worth a second start-up)
    if a.part == 'cas_gen': run._cas_gen(); return
    if a.part: run.part(a.part, getattr(run, f'_{a.part}')); return
    from textdiff_mnist.distill import distill, measure_student, round_steps, student_card, export_student, _stages
    from textdiff_mnist.train import TrainingData
    from textdiff_mnist.checkpoint import load_model, weights_fingerprint
    out, cfg, P = run.out, run.cfg, run.plan
    found = [k for k, _, _ in _stages(cfg) if (out/f'stage{k}.pt').exists()]
    import textdiff_mnist
    log(f"teacher {run.teacher_fp} ({run.teacher_path}); recipe {asdict(cfg)}; out {out}; code {Path(textdiff_mnist.__file__).parent}")
    serial = run.serial
    tproc = None if serial else run.spawn('teacher')
    data = TrainingData.mnist()
    if a.quick: data = TrainingData(data.images[:200], data.labels[:200], data.levels[:200])
    measure = lambda m, k, st: [measure_student(m, s, n_per_digit=P.stage_n, seed=0, evaluator=run.ev) for s in round_steps(k, st, cfg)]
    _, summary = distill(run.teacher, data, cfg, out, measure=measure, log=log)
    final = out/f'stage{len(cfg.rounds)}.pt'
    if not (out/'student.pt').exists(): export_student(final, out/'student.pt', student_card(run.teacher_fp, cfg, summary['stages']))
    cproc = None if serial else run.spawn('cas')
    fast = run.part('fast', run._fast)
    if not (out/'distill_rounds.png').exists(): run.rounds_picture(out/'distill_rounds.png')
    teacher = run.join('teacher', tproc)
    cas = run.join('cas', cproc)
    # timings last, when this run's other processes have ended (load_avg records the rest), in a process of their own whose
    # OpenMP threads behave as in any user's process (no OMP_WAIT_POLICY=PASSIVE, which this script sets for its busy parts)
    timing_env = {k: v for k, v in os.environ.items() if k != 'OMP_WAIT_POLICY'} | {TIMING_ENV: '1'}
    speed = run.join('speed', None if serial else run.spawn('speed', env=timing_env))
    student_fp = weights_fingerprint(load_model(out/'student.pt'))
    res = assemble(run, summary, teacher, fast, speed, cas, student_fp, found)
    export_student(final, out/'textdiff_mnist_fast.pt', student_card(run.teacher_fp, cfg, summary['stages'], card_results(res)))
    assert weights_fingerprint(load_model(out/'textdiff_mnist_fast.pt')) == student_fp
    write_json(out/'distill.json', res)
    log(res['summary'])
    if a.ship: ship(run, out)

if __name__ == '__main__': main()
