//! MariaDB provisioning costs: cold start of a local server (pristine cache warm), and the
//! per-copy cost of a frozen snapshot versus replaying the schema SQL per copy.
//!
//! ```sh
//! cargo run -p dbassay --example bench_mariadb [iterations]
//! ```

use std::time::{Duration, Instant};

use dbassay::engine::Engine;
use dbassay::engine::Session;
use dbassay::provision::Server;
use dbassay::provision::mysql::MysqlServer;

/// 5 tables (one referencing another), a view, a trigger, a function.
const SCHEMA: &[&str] = &[
    "CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, \
     created DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, \
     total DECIMAL(10,2) NOT NULL, FOREIGN KEY (customer_id) REFERENCES customers(id))",
    "CREATE TABLE products (id INT AUTO_INCREMENT PRIMARY KEY, sku VARCHAR(20) UNIQUE, \
     price DECIMAL(10,2))",
    "CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100), \
     at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
    "CREATE TABLE settings (k VARCHAR(50) PRIMARY KEY, v TEXT)",
    "CREATE VIEW big_orders AS SELECT o.id, c.name, o.total FROM orders o \
     JOIN customers c ON c.id = o.customer_id WHERE o.total > 50",
    "CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW \
     INSERT INTO audit (what) VALUES (CONCAT('order ', NEW.id))",
    "CREATE FUNCTION with_tax(x DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC \
     BEGIN RETURN x * 1.2; END",
];

fn rows_sql() -> Vec<String> {
    // 100 rows in all: 20 per table.
    let list = |f: &dyn Fn(usize) -> String| (1..=20).map(f).collect::<Vec<_>>().join(", ");
    vec![
        format!(
            "INSERT INTO customers (name) VALUES {}",
            list(&|i| format!("('c{i}')"))
        ),
        format!(
            "INSERT INTO products (sku, price) VALUES {}",
            list(&|i| format!("('s{i}', {i}.5)"))
        ),
        format!(
            "INSERT INTO settings VALUES {}",
            list(&|i| format!("('k{i}', 'v{i}')"))
        ),
        format!(
            "INSERT INTO orders (customer_id, total) VALUES {}",
            list(&|i| format!("({i}, {})", i * 7))
        ),
        // 20 audit rows came from the trigger.
    ]
}

fn apply(session: &mut dyn Session, statements: &[String]) {
    for sql in statements {
        if let Err(e) = session.run(sql) {
            panic!("{sql}: {e}");
        }
    }
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let total: Duration = samples.iter().sum();
    let mean = total / samples.len() as u32;
    let median = samples[samples.len() / 2];
    let p90 = samples[samples.len() * 9 / 10];
    println!(
        "{name:<44} n={:<3} mean {:>7.2} ms  median {:>7.2} ms  p90 {:>7.2} ms",
        samples.len(),
        ms(mean),
        ms(median),
        ms(p90)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let statements: Vec<String> = SCHEMA
        .iter()
        .map(|s| s.to_string())
        .chain(rows_sql())
        .collect();

    // Warm the pristine cache, then measure starts and stops.
    drop(MysqlServer::local_unshared(Engine::Mariadb, None).expect("local MariaDB"));
    let (mut starts, mut stops) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        let server = MysqlServer::local_unshared(Engine::Mariadb, None).expect("local MariaDB");
        starts.push(t.elapsed());
        let t = Instant::now();
        drop(server);
        stops.push(t.elapsed());
    }
    stats("cold start (pristine cache warm)", starts);
    stats("stop (SIGTERM, remove dir)", stops);

    let server = MysqlServer::local_unshared(Engine::Mariadb, None).expect("local MariaDB");
    let built = server.create().unwrap();
    apply(&mut *built.connect().unwrap(), &statements);
    let t = Instant::now();
    let snapshot = server.freeze(built, "bench").unwrap();
    println!(
        "freeze (copy into template + capture)        once      {:>7.2} ms",
        ms(t.elapsed())
    );

    let (mut copies, mut drops, mut totals) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..iterations {
        let t0 = Instant::now();
        let db = snapshot.copy().unwrap();
        drop(db.connect().unwrap()); // a case needs a session: counted on both sides
        let t1 = Instant::now();
        drop(db);
        let t2 = Instant::now();
        copies.push(t1 - t0);
        drops.push(t2 - t1);
        totals.push(t2 - t0);
    }
    stats("snapshot copy (recipe batch) + connect", copies);
    stats("  drop database", drops);
    stats("  copy + drop", totals);

    let (mut replays, mut totals) = (Vec::new(), Vec::new());
    for _ in 0..iterations {
        let t0 = Instant::now();
        let db = server.create().unwrap();
        {
            let mut session = db.connect().unwrap();
            apply(&mut *session, &statements);
        }
        let t1 = Instant::now();
        drop(db);
        totals.push(t0.elapsed());
        replays.push(t1 - t0);
    }
    stats("replay schema SQL: create + connect + run", replays);
    stats("  replay + drop", totals);

    // The same copies with every table in the system tablespace (no .ibd file per table).
    let mut admin = server.create().unwrap();
    admin.keep();
    let mut s = admin.connect().unwrap();
    apply(
        &mut *s,
        &["SET GLOBAL innodb_file_per_table = OFF".to_owned()],
    );
    let mut totals = Vec::new();
    let mut copies = Vec::new();
    for _ in 0..iterations {
        let t0 = Instant::now();
        let db = snapshot.copy().unwrap();
        drop(db.connect().unwrap());
        copies.push(t0.elapsed());
        drop(db);
        totals.push(t0.elapsed());
    }
    stats("  same, innodb_file_per_table=OFF", copies);
    stats("  copy + drop", totals);
    apply(
        &mut *s,
        &["SET GLOBAL innodb_file_per_table = ON".to_owned()],
    );

    // A migrated state: the schema, then 10 migrations that alter tables and backfill data.
    let mut migrated = statements.clone();
    for i in 0..10 {
        migrated.push(format!(
            "ALTER TABLE orders ADD COLUMN note{i} VARCHAR(20) NULL"
        ));
        migrated.push(format!("UPDATE orders SET note{i} = CONCAT('n', id)"));
    }
    let built = server.create().unwrap();
    apply(&mut *built.connect().unwrap(), &migrated);
    let snapshot2 = server.freeze(built, "bench-migrated").unwrap();
    let (mut copies, mut replays) = (Vec::new(), Vec::new());
    for _ in 0..iterations {
        let t0 = Instant::now();
        let db = snapshot2.copy().unwrap();
        drop(db.connect().unwrap());
        copies.push(t0.elapsed());
        drop(db);
        let t0 = Instant::now();
        let db = server.create().unwrap();
        apply(&mut *db.connect().unwrap(), &migrated);
        replays.push(t0.elapsed());
        drop(db);
    }
    stats("migrated state (+10 ALTER/UPDATE): copy", copies);
    stats("migrated state: replay", replays);

    // A copy holds what the replay builds.
    let db = snapshot.copy().unwrap();
    let mut s = db.connect().unwrap();
    let count = s.run("SELECT (SELECT COUNT(*) FROM customers) + (SELECT COUNT(*) FROM orders) + \
        (SELECT COUNT(*) FROM products) + (SELECT COUNT(*) FROM settings) + (SELECT COUNT(*) FROM audit)");
    println!("rows in a copy: {count:?}");
}
