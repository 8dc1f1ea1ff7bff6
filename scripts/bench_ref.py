#!/usr/bin/python3
"""Reference figures for scripts/bench.ts: numpy (OpenBLAS) and torch on the same work, same run.

Run by bench.ts with Debian's /usr/bin/python3 (python3-numpy, python3-torch, python3-threadpoolctl).

  bench_ref.py gemm --threads N
      A line protocol on stdin/stdout, one JSON object per line, so bench.ts can interleave
      flint's samples with these shape by shape:
        -> {"cmd": "setup", "cases": [{"M":..,"K":..,"N":..,"layout":"nn|nt|tn"}, ...], "min_sample_s": 0.03}
        <- {"ok": true, "libs": ["numpy", "torch"], "calls_per_sample": [{"numpy": k, "torch": k}, ...], ...}
        -> {"cmd": "sample", "case": i, "samples": 5}
        <- {"numpy": [seconds per call, ...], "torch": [...]}
        -> {"cmd": "quit"}
  bench_ref.py mlp --threads N [--blas-threads B] --steps S --warmup W
      The seed MLP (784-512-256-10, ReLU, CrossEntropyLoss, SGD lr 0.01, batch 64) on synthetic
      data; prints one JSON object.

Threads: torch.set_num_threads(N) AND OpenBLAS limited to N with threadpoolctl (torch.mm on
Debian's build calls OpenBLAS sgemm_, whose pool torch.set_num_threads does not govern).
Layouts: 'nn' A(MxK) @ B(KxN) contiguous; 'nt' A @ W.T with W (N,K) contiguous (Linear forward);
'tn' X.T @ B with X (K,M) contiguous (weight gradients). Outputs are preallocated (out=).
Missing modules are reported as {"ok": false, "error": ...}, never as a crash.
"""
import argparse
import json
import os
import resource
import sys
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def busy_s():
    """CPU seconds used by everyone (user..steal, from /proc/stat) and by this process."""
    try:
        with open('/proc/stat') as f:
            v = list(map(int, f.readline().split()[1:9]))
        hz = os.sysconf('SC_CLK_TCK')
        allb = (sum(v) - v[3] - v[4]) / hz
    except (OSError, ValueError):
        allb = float('nan')
    r = resource.getrusage(resource.RUSAGE_SELF)
    return allb, r.ru_utime + r.ru_stime


def limit_threads(n, blas=None):
    """torch to n threads and OpenBLAS to blas (default n); returns (limiter or None, threadpool info, warning)."""
    info, warn, lim = [], None, None
    try:
        from threadpoolctl import threadpool_limits, threadpool_info
        lim = threadpool_limits(limits=blas or n, user_api='blas')
        info = [{k: d.get(k) for k in ('internal_api', 'version', 'architecture', 'num_threads', 'threading_layer')}
                for d in threadpool_info()]
    except ImportError:
        warn = 'threadpoolctl missing: OpenBLAS threads limited only by OPENBLAS_NUM_THREADS'
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass
    return lim, info, warn


def calib(fn, min_s):
    fn(); fn()
    k = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_s or k >= 1 << 20:
            return k
        k = max(k * 2, int(k * min_s / max(dt, 1e-9) * 1.2))


def sample(fn, k):
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    return (time.perf_counter() - t0) / k


def gemm_server(args):
    try:
        import numpy as np
    except ImportError as e:
        emit({'ok': False, 'error': f'numpy not available: {e}'})
        return
    try:
        import torch
    except ImportError:
        torch = None
    lim, info, warn = limit_threads(args.threads)
    rng = np.random.default_rng(0)
    fns = []
    for line in sys.stdin:
        req = json.loads(line)
        if req['cmd'] == 'setup':
            calls = []
            for c in req['cases']:
                M, K, N, layout = c['M'], c['K'], c['N'], c['layout']
                if layout == 'nn':
                    A, B = rng.standard_normal((M, K), dtype=np.float32), rng.standard_normal((K, N), dtype=np.float32)
                elif layout == 'nt':
                    A, B = rng.standard_normal((M, K), dtype=np.float32), rng.standard_normal((N, K), dtype=np.float32).T
                elif layout == 'tn':
                    A, B = rng.standard_normal((K, M), dtype=np.float32).T, rng.standard_normal((K, N), dtype=np.float32)
                else:
                    emit({'ok': False, 'error': f'unknown layout {layout}'})
                    return
                Cn = np.empty((M, N), np.float32)
                ref = A.astype(np.float64) @ B.astype(np.float64)
                np.matmul(A, B, out=Cn)
                assert np.allclose(Cn, ref, rtol=1e-3, atol=1e-2), c
                f = {'numpy': (lambda A=A, B=B, C=Cn: np.matmul(A, B, out=C))}
                if torch is not None:
                    tA, tB = torch.from_numpy(A), torch.from_numpy(B)  # same strides as numpy's views
                    assert tuple(tA.shape) == (M, K) and tuple(tB.shape) == (K, N)
                    Ct = torch.empty((M, N))
                    torch.mm(tA, tB, out=Ct)
                    assert np.allclose(Ct.numpy(), ref, rtol=1e-3, atol=1e-2), c
                    f['torch'] = (lambda A=tA, B=tB, C=Ct: torch.mm(A, B, out=C))
                calls.append({lib: calib(fn, req.get('min_sample_s', 0.03)) for lib, fn in f.items()})
                fns.append(f)
            emit({'ok': True, 'libs': ['numpy'] + (['torch'] if torch is not None else []),
                  'calls_per_sample': calls, 'numpy': np.__version__,
                  'torch': torch.__version__ if torch is not None else None,
                  'torch_num_threads': torch.get_num_threads() if torch is not None else None,
                  'threadpool_info': info, 'warning': warn,
                  'env': {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS')}})
        elif req['cmd'] == 'sample':
            i, n = req['case'], req['samples']
            out = {}
            for lib, fn in fns[i].items():
                k = calls[i][lib]
                out[lib] = [sample(fn, k) for _ in range(n)]
            emit(out)
        elif req['cmd'] == 'quit':
            return


def mlp(args):
    rss_start = rss_mb()
    try:
        import numpy as np
        import torch
        import torch.nn as nn
    except ImportError as e:
        emit({'ok': False, 'error': f'torch not available: {e}'})
        return
    rss_import = rss_mb()
    lim, info, warn = limit_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    lossf = nn.CrossEntropyLoss()
    B = 64
    xs = [torch.randn(B, 784) for _ in range(args.pool)]
    ys = [torch.randint(0, 10, (B,)) for _ in range(args.pool)]

    def step(i):
        opt.zero_grad()
        loss = lossf(model(xs[i % args.pool]), ys[i % args.pool])
        loss.backward()
        opt.step()
        return loss

    for i in range(args.warmup):
        step(i)
    times = []
    b0, o0 = busy_s()
    t0 = time.perf_counter()
    for i in range(args.steps):
        ts = time.perf_counter()
        loss = step(i)
        times.append(time.perf_counter() - ts)
    total = time.perf_counter() - t0
    b1, o1 = busy_s()
    times.sort()
    emit({'ok': True, 'threads': args.threads, 'torch_num_threads': torch.get_num_threads(),
          'blas_threads': args.blas_threads or args.threads, 'torch': torch.__version__,
          'threadpool_info': info, 'warning': warn, 'steps': args.steps, 'warmup': args.warmup,
          'samples_per_s': round(args.steps * B / total, 1), 'step_ms_median': round(times[len(times) // 2] * 1e3, 4),
          'total_s': round(total, 4), 'final_loss': float(loss.item()),
          'other_cpus': round(max(0.0, ((b1 - b0) - (o1 - o0)) / total), 2),
          'rss_start_mb': round(rss_start, 1), 'rss_after_import_mb': round(rss_import, 1), 'peak_rss_mb': round(rss_mb(), 1)})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('task', choices=('gemm', 'mlp'))
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--steps', type=int, default=300)
    ap.add_argument('--warmup', type=int, default=20)
    ap.add_argument('--pool', type=int, default=16)  # distinct synthetic batches, cycled
    ap.add_argument('--blas-threads', type=int, default=0)  # mlp: OpenBLAS threads (0 = --threads)
    args = ap.parse_args()
    gemm_server(args) if args.task == 'gemm' else mlp(args)


if __name__ == '__main__':
    main()
