//! scratch (session 28): a picture search through the service's engine
//! path (ADBC into chDB, as `clickprint serve` runs it), the query side and
//! the statement timed apart, as the tenant grows with made-up pictures.
//! usage: stmt_path DIR LIBRARY_DIR QUERY SIZES_IN_ROWS ROUNDS
use std::time::Instant;
use clickprint::clickhouse::library;
use clickprint_eval::fixtures::{self, Synthetic, SYNTHETIC_ROWS_PER_PICTURE as PER};

fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) * 10.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, lib, image) = (&args[1], &args[2], &args[3]);
    let sizes: Vec<u64> = args[4].split(',').map(|s| s.parse().unwrap()).collect();
    let rounds: usize = args[5].parse().unwrap();
    let tenant = 1;
    let exe = std::env::current_exe().unwrap();
    let engine = fixtures::engine(std::path::Path::new(dir), exe.parent().unwrap()).await.unwrap();
    let count = |sql: String| {
        let engine = &engine;
        async move { engine.query(&sql).await.unwrap().first_string().unwrap().parse::<u64>().unwrap() }
    };
    if count(format!("SELECT toString(count()) FROM clickprint.fp_keys WHERE tenant_id = {tenant}")).await == 0 {
        let mut files: Vec<_> = std::fs::read_dir(lib).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for (i, f) in files.iter().enumerate() {
            library::ingest(&engine, tenant, i as u64 + 1, &f.display().to_string()).await.unwrap();
        }
        eprintln!("ingested {}", files.len());
    }
    let real = count(format!("SELECT toString(count()) FROM clickprint.fp_keys WHERE tenant_id = {tenant} AND media_id < 1000000")).await;
    println!("rows,query_p50_ms,search_p50_ms,search_p95_ms,search_cpu_ms_per_run,found");
    for size in sizes {
        let made = count(format!("SELECT toString(count()) FROM clickprint.fp_keys WHERE tenant_id = {tenant} AND media_id >= 1000000")).await;
        let want = size.saturating_sub(real) / PER * PER;
        if want > made {
            let t = Instant::now();
            fixtures::add_synthetic_keys(&engine, Synthetic::Pictures { tenant }, made..want).await.unwrap();
            eprintln!("rows {made} -> {want} in {:.0} s", t.elapsed().as_secs_f64());
        }
        let rows = count(format!("SELECT toString(count()) FROM clickprint.fp_keys WHERE tenant_id = {tenant}")).await;
        let side = library::query_side(&engine, image).await.unwrap();
        let found = library::search(&engine, tenant, &side.search_query, 21, 0.3).await.unwrap();
        let ok = found.first().is_some_and(|m| m.media_id == 7);
        let (mut qw, mut sw) = (vec![], vec![]);
        for _ in 0..rounds {
            let t = Instant::now();
            library::query_side(&engine, image).await.unwrap();
            qw.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let c = cpu_ms();
        for _ in 0..rounds {
            let t = Instant::now();
            library::search(&engine, tenant, &side.search_query, 21, 0.3).await.unwrap();
            sw.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let sc = (cpu_ms() - c) / rounds as f64;
        let at = |v: &mut Vec<f64>, p: f64| { v.sort_by(f64::total_cmp); v[((v.len() - 1) as f64 * p).round() as usize] };
        println!("{rows},{:.1},{:.1},{:.1},{:.1},{ok}", at(&mut qw, 0.5), at(&mut sw, 0.5), at(&mut sw, 0.95), sc);
    }
}
