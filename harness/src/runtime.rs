//! The one tokio runtime of a process. Trials run on plain threads (libtest-mimic's pool) and
//! call into async drivers with [`block_on`]; never call it from inside the runtime.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;

pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("assay-io")
            .build()
            .expect("the tokio runtime could not start")
    })
}

/// Runs a future to completion from a synchronous caller.
pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}
