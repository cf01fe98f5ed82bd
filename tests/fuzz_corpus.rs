//! Every fuzz target's committed corpus (`fuzz/corpus/<target>`) and every input that once
//! crashed it (`fuzz/regressions/<target>`), run through the target's body on stable: what the
//! fuzzers found stays fixed, without nightly or cargo-fuzz.

#[test]
fn every_corpus_and_regression_input_runs_clean() {
    let root = acs_tests::project_root().join("fuzz");
    let mut ran = 0;
    for (target, run) in acs_tests::fuzzing::TARGETS {
        let mut inputs = 0;
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else { continue };
            let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            paths.sort();
            for path in paths {
                let data = std::fs::read(&path).unwrap();
                if std::panic::catch_unwind(|| run(&data)).is_err() {
                    panic!("{target}: {} fails", path.display());
                }
                inputs += 1;
            }
        }
        assert!(inputs > 0, "{target} has no committed corpus");
        ran += inputs;
    }
    assert!(ran >= 20, "{ran} inputs");
}
