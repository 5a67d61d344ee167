//! Session 40 (a measurement, not built; copy into udf/media/examples/ to run): every query's layout correlation
//! with every reference that keeps a layout, as a matrix.
use clickprint_core::fingerprint::layout;
use clickprint_core::records::Use;
use clickprint_media::decode::Limits;

mod pairs;
use pairs::layout_of;

fn main() {
    let (references, queries) = pairs::lists("layout_matrix");
    let limits = Limits::default();
    let library: Vec<Option<layout::Prepared>> = references
        .iter()
        .map(|r| layout_of(r, Use::Library, &limits).map(layout::Prepared::new))
        .collect();
    let holding: Vec<usize> = (0..library.len()).filter(|&i| library[i].is_some()).collect();
    for &i in &holding {
        println!("ref\t{i}");
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut lines: Vec<(usize, String)> = std::thread::scope(|s| {
        let ws: Vec<_> = (0..threads)
            .map(|t| {
                let (library, holding, queries, limits) = (&library, &holding, &queries, &limits);
                s.spawn(move || {
                    (t..queries.len())
                        .step_by(threads)
                        .map(|n| {
                            if n % 100 == 0 {
                                eprintln!("query {n}");
                            }
                            let q = layout_of(&queries[n].0, Use::Query, limits).map(layout::Prepared::new);
                            let row = match &q {
                                None => "-".to_owned(),
                                Some(q) => holding
                                    .iter()
                                    .map(|&i| {
                                        q.correlation(library[i].as_ref().unwrap())
                                            .map_or("-".to_owned(), |c| format!("{c:.3}"))
                                    })
                                    .collect::<Vec<_>>()
                                    .join(","),
                            };
                            (n, row)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        ws.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    lines.sort_by_key(|l| l.0);
    for (n, row) in lines {
        println!("q\t{n}\t{row}");
    }
}
