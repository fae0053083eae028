//! The tidy layout (`model::layout`) on generated trees of 1k, 5k and 50k nodes, in both
//! orientations: run by `scripts/bench.sh` (`cargo bench --bench layout`), which records the
//! 5k figure in BENCHMARKS.md against its target (≤ 5 ms).
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use impact_tree::model::{demo_data, layout, Orientation};

fn tidy_layout(c: &mut Criterion) {
    let mut group = c.benchmark_group("layout");
    for size in [1_000, 5_000, 50_000] {
        let nodes = demo_data::generate(7, size, "").tree_nodes();
        group.throughput(Throughput::Elements(size as u64));
        if size >= 50_000 {
            group.sample_size(20);
        }
        for (name, orientation) in [
            ("vertical", Orientation::Vertical),
            ("horizontal", Orientation::Horizontal),
        ] {
            group.bench_with_input(BenchmarkId::new(name, size), &nodes, |b, nodes| {
                b.iter(|| layout::layout(black_box(nodes), orientation))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, tidy_layout);
criterion_main!(benches);
