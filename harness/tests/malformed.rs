//! Malformed files of every kind through the real `assay test`: binary garbage, invalid UTF-8,
//! a huge file, deeply nested HCL, a 1 MB line, SQL that nests `BEGIN` without end, and symlink
//! loops. Each is one failing trial for that file with a clear message; the good files beside
//! them still run; the exit code is 1; nothing panics. The big inputs are generated here, in a
//! temp dir, never committed. Runs on the embedded SQLite, so it needs no engine.

use std::path::{Path, PathBuf};
use std::process::Command;

const ASSAY: &str = env!("CARGO_BIN_EXE_assay");

/// A passing case, so a run proves the good files still ran.
const GOOD: &str = r#"
test "schema" "good" {
  exec {
    sql    = "SELECT 40 + 2"
    output = "42"
  }
}
"#;

/// Deterministic bytes that are not UTF-8 and not HCL.
fn garbage(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8 | 0x80
        })
        .collect()
}

/// The files, each with a text its failure must contain.
fn malformed(dir: &Path) -> Vec<(&'static str, String)> {
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    write("garbage.test.hcl", &garbage(64 * 1024));
    write("garbage.txtar", &garbage(64 * 1024));
    let mut not_utf8 = GOOD.replace("good", "not_utf8").into_bytes();
    not_utf8.extend_from_slice(b"# \xff\xfe\n");
    write("not_utf8.test.hcl", &not_utf8);
    write("not_utf8.txtar", b"exec echo \xc3\x28\n");
    // 40 MB of comments, then a syntax error on the last line.
    let filler = 40 * 1024 * 1024 / 34;
    let mut huge = "# filler line of a huge test file\n".repeat(filler);
    huge.push_str("test \"schema\" \"huge\" {\n  exec {\n    sql = \"SELECT 1\n  }\n}\n");
    write("huge.test.hcl", huge.as_bytes());
    let deep = |open: &str, close: &str| {
        format!(
            "locals {{\n  x = {}1{}\n}}\n{GOOD}",
            open.repeat(100_000),
            close.repeat(100_000)
        )
    };
    write("deep_lists.test.hcl", deep("[", "]").as_bytes());
    write("deep_parens.test.hcl", deep("(", ")").as_bytes());
    write("deep_objects.test.hcl", deep("{a = ", "}").as_bytes());
    write("deep_not.test.hcl", deep("!", "").as_bytes());
    // What hcl-edit parses twice per level (the atlas_hcl fuzz finding): 2^30 parses unbounded.
    write(
        "deep_backtracking.test.hcl",
        format!(
            "locals {{\n  x = {}\n}}\n{GOOD}",
            "a / !b.c / {\n".repeat(30)
        )
        .as_bytes(),
    );
    write(
        "deep_sum.test.hcl",
        format!("locals {{\n  x = 1{}\n}}\n{GOOD}", " + 1".repeat(100_000)).as_bytes(),
    );
    write(
        "deep_blocks.test.hcl",
        format!("{}{}", "a {\n".repeat(100_000), "}\n".repeat(100_000)).as_bytes(),
    );
    // A 1 MB line: a string that never closes.
    write(
        "long_line.test.hcl",
        format!(
            "test \"schema\" \"long\" {{ exec {{ sql = \"{}",
            "x".repeat(1 << 20)
        )
        .as_bytes(),
    );
    write(
        "long_line.txtar",
        format!("nosuchcommand {}\n", "x".repeat(1 << 20)).as_bytes(),
    );
    // SQL with 200 000 BEGINs and no END: a statement, not a stack overflow.
    write(
        "begins.test.hcl",
        format!(
            "test \"schema\" \"begins\" {{\n  exec {{\n    sql = <<SQL\n{}SQL\n  }}\n}}\n",
            "BEGIN TRANSACTION;\n".repeat(200_000)
        )
        .as_bytes(),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("loop.test.hcl", dir.join("loop.test.hcl")).unwrap();
        symlink("ping.txtar", dir.join("pong.txtar")).unwrap();
        symlink("pong.txtar", dir.join("ping.txtar")).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        symlink("..", dir.join("sub/up")).unwrap();
    }
    [
        ("garbage.test.hcl", "valid UTF-8".to_string()),
        ("garbage.txtar", "valid UTF-8".into()),
        ("not_utf8.test.hcl", "valid UTF-8".into()),
        ("not_utf8.txtar", "valid UTF-8".into()),
        (
            "huge.test.hcl",
            format!("huge.test.hcl:{}:5: HCL syntax error", filler + 3),
        ),
        (
            "deep_lists.test.hcl",
            "nested more than 12 levels deep".into(),
        ),
        (
            "deep_parens.test.hcl",
            "nested more than 12 levels deep".into(),
        ),
        (
            "deep_objects.test.hcl",
            "nested more than 12 levels deep".into(),
        ),
        ("deep_not.test.hcl", "at most 64 nested levels".into()),
        (
            "deep_backtracking.test.hcl",
            "deep_backtracking.test.hcl:8:12: HCL brackets nested inside more than 6 operands"
                .into(),
        ),
        (
            "deep_sum.test.hcl",
            "at most 128 chained binary operators".into(),
        ),
        (
            "deep_blocks.test.hcl",
            "nested more than 12 levels deep".into(),
        ),
        ("long_line.test.hcl", "long_line.test.hcl:1:".into()),
        (
            "long_line.txtar",
            "unknown command \"nosuchcommand\"".into(),
        ),
        ("begins.test.hcl", "transaction within a transaction".into()),
        ("loop.test.hcl", "symbolic links".into()),
        ("ping.txtar", "symbolic links".into()),
        ("pong.txtar", "symbolic links".into()),
    ]
    .into_iter()
    .collect()
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-malformed-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn each_malformed_file_fails_alone_and_the_others_still_run() {
    let dir = temp_dir();
    std::fs::write(dir.join("a_good.test.hcl"), GOOD).unwrap();
    std::fs::write(dir.join("z_good.test.hcl"), GOOD).unwrap();
    let files = malformed(&dir);
    let out = Command::new(ASSAY)
        .arg("test")
        .arg(&dir)
        .env_remove("CI")
        .output()
        .expect("assay runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let all = format!("{stdout}\n{stderr}");
    // Long lines are cut for the assertion messages.
    let show: String = all
        .lines()
        .map(|l| l.chars().take(300).collect::<String>() + "\n")
        .collect();
    assert_eq!(out.status.code(), Some(1), "exit code; output:\n{show}");
    for bad in ["panicked", "overflowed its stack", "RUST_BACKTRACE"] {
        assert!(!all.contains(bad), "{bad:?} in the output:\n{show}");
    }
    for good in ["a_good.test.hcl", "z_good.test.hcl"] {
        assert!(
            all.lines().any(|l| l.contains(good) && l.contains("ok")),
            "{good} did not run and pass:\n{show}"
        );
    }
    for (name, why) in files {
        assert!(
            all.lines()
                .any(|l| l.contains(name) && l.contains("FAILED")),
            "{name} is not a failing trial:\n{show}"
        );
        assert!(
            all.contains(why.as_str()),
            "{name}: the failure does not say {why:?}:\n{show}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
