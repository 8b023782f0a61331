/** Shared timing helpers of the benchmark scripts. */

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time of `runs` runs after one warm-up, in ms. */
export function timeInProcess(runs: number, action: () => unknown): number {
    action();
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
        const started = process.hrtime.bigint();
        action();
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return median(samples);
}
