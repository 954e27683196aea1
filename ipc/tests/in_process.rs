//! Several runtimes in one process: each has its own sockets, so this runs
//! the whole protocol; the multi-process tests live in `yunhal-tests`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use yunhal_ipc::{
    interface, ExceptionCode, Fd, Runtime, ServiceManager, ServiceManagerService, Status, Strong,
};

interface! {
    pub trait ICounter: "yunhal.test.ICounter", version 1 {
        1 => fn add(n: u64) -> u64;
        2 => oneway push(seq: u64);
        3 => fn seen() -> Vec<u64>;
        4 => fn subscribe(cb: Strong<dyn IListener>);
        5 => fn fire(value: u64) -> u32;
        6 => fn read_fd(fd: Fd) -> Vec<u8>;
    }
}

interface! {
    pub trait IListener: "yunhal.test.IListener", version 1 {
        1 => fn notify(value: u64) -> u64;
    }
}

#[derive(Default)]
struct Counter {
    total: AtomicU64,
    seen: Mutex<Vec<u64>>,
    listeners: Mutex<Vec<Strong<dyn IListener>>>,
}

impl ICounter for Counter {
    fn add(&self, n: u64) -> Result<u64, Status> {
        Ok(self.total.fetch_add(n, Ordering::SeqCst) + n)
    }
    fn push(&self, seq: u64) -> Result<(), Status> {
        self.seen.lock().unwrap().push(seq);
        Ok(())
    }
    fn seen(&self) -> Result<Vec<u64>, Status> {
        Ok(self.seen.lock().unwrap().clone())
    }
    fn subscribe(&self, cb: Strong<dyn IListener>) -> Result<(), Status> {
        self.listeners.lock().unwrap().push(cb);
        Ok(())
    }
    fn fire(&self, value: u64) -> Result<u32, Status> {
        let ls = self.listeners.lock().unwrap().clone();
        let mut n = 0;
        for l in ls {
            if l.notify(value)? == value + 1 {
                n += 1;
            }
        }
        Ok(n)
    }
    fn read_fd(&self, fd: Fd) -> Result<Vec<u8>, Status> {
        let mut file = std::fs::File::from(fd.into_inner());
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut out)
            .map_err(|e| Status::illegal_argument(e.to_string()))?;
        Ok(out)
    }
}

struct Listener(mpsc::Sender<u64>);
impl IListener for Listener {
    fn notify(&self, value: u64) -> Result<u64, Status> {
        self.0.send(value).unwrap();
        Ok(value + 1)
    }
}

fn setup() -> (tempdir::Dir, Runtime, Runtime, Runtime) {
    let dir = tempdir::Dir::new();
    let sm_rt = Runtime::new().unwrap();
    ServiceManagerService::serve(&sm_rt, &dir.path.join("sm.sock")).unwrap();
    let svc_rt = Runtime::new().unwrap();
    let sm = ServiceManager::connect_at(&svc_rt, &dir.path.join("sm.sock")).unwrap();
    let svc: Arc<dyn ICounter> = Arc::new(Counter::default());
    sm.add_service("yunhal.test.ICounter/default", &Strong::new(svc))
        .unwrap();
    let client_rt = Runtime::new().unwrap();
    (dir, sm_rt, svc_rt, client_rt)
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Dir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "yh-ip-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

#[test]
fn two_way_oneway_callback_and_fd_work_across_runtimes() {
    let (dir, _sm_rt, _svc_rt, client_rt) = setup();
    let sm = ServiceManager::connect_at(&client_rt, &dir.path.join("sm.sock")).unwrap();
    let counter = sm
        .get_service::<dyn ICounter>("yunhal.test.ICounter/default")
        .unwrap();

    assert_eq!(counter.add(2).unwrap(), 2);
    assert_eq!(counter.add(3).unwrap(), 5);

    for i in 0..200 {
        counter.push(i).unwrap();
    }
    assert_eq!(counter.seen().unwrap(), (0..200).collect::<Vec<_>>());

    let (tx, rx) = mpsc::channel();
    let listener: Arc<dyn IListener> = Arc::new(Listener(tx));
    counter.subscribe(Strong::new(listener)).unwrap();
    assert_eq!(counter.fire(41).unwrap(), 1);
    assert_eq!(rx.recv_timeout(Duration::from_secs(1)).unwrap(), 41);

    let path = dir.path.join("data");
    std::fs::write(&path, b"shared bytes").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    assert_eq!(counter.read_fd(Fd::new(file)).unwrap(), b"shared bytes");
}

#[test]
fn unknown_name_gives_name_not_found_and_wrong_interface_is_refused() {
    let (dir, _sm_rt, _svc_rt, client_rt) = setup();
    let sm = ServiceManager::connect_at(&client_rt, &dir.path.join("sm.sock")).unwrap();
    let err = sm.get_service::<dyn ICounter>("nope").unwrap_err();
    assert!(
        matches!(
            err,
            Status::Transport(yunhal_ipc::TransportError::NameNotFound(_))
        ),
        "{err}"
    );
    let err = sm
        .get_service::<dyn IListener>("yunhal.test.ICounter/default")
        .unwrap_err();
    assert_eq!(err.exception_code(), Some(ExceptionCode::WrongInterface));
}

#[test]
fn large_message_is_fragmented_and_arrives_whole() {
    let (dir, _sm_rt, _svc_rt, client_rt) = setup();
    let sm = ServiceManager::connect_at(&client_rt, &dir.path.join("sm.sock")).unwrap();
    let counter = sm
        .get_service::<dyn ICounter>("yunhal.test.ICounter/default")
        .unwrap();
    let path = dir.path.join("big");
    let big: Vec<u8> = (0..900_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &big).unwrap();
    let got = counter
        .read_fd(Fd::new(std::fs::File::open(&path).unwrap()))
        .unwrap();
    assert_eq!(got, big);
}

interface! {
    pub trait IGate: "yunhal.test.IGate", version 1 {
        1 => fn pass(id: u64) -> u64;
    }
}

/// Holds every caller until opened, counting how many are inside at once.
#[derive(Default)]
struct Gate {
    state: Mutex<(usize, usize, bool)>,
    changed: std::sync::Condvar,
}

impl IGate for Gate {
    fn pass(&self, id: u64) -> Result<u64, Status> {
        let mut st = self.state.lock().unwrap();
        st.0 += 1;
        st.1 = st.1.max(st.0);
        self.changed.notify_all();
        while !st.2 {
            st = self.changed.wait(st).unwrap();
        }
        st.0 -= 1;
        Ok(id)
    }
}

#[test]
fn many_threads_of_one_client_share_one_connection() {
    let (dir, _sm_rt, _svc_rt, client_rt) = setup();
    let sm = ServiceManager::connect_at(&client_rt, &dir.path.join("sm.sock")).unwrap();
    let counter = sm
        .get_service::<dyn ICounter>("yunhal.test.ICounter/default")
        .unwrap();

    let threads: Vec<_> = (0..8)
        .map(|_| {
            let counter = counter.clone();
            std::thread::spawn(move || {
                for _ in 0..300 {
                    counter.add(1).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }

    assert_eq!(counter.add(0).unwrap(), 8 * 300);
}

#[test]
fn calls_beyond_the_in_flight_limit_wait_instead_of_running() {
    let dir = tempdir::Dir::new();
    let limits = yunhal_ipc::Limits {
        max_in_flight: 3,
        ..Default::default()
    };
    let svc_rt = Runtime::with_limits(limits).unwrap();
    svc_rt.set_thread_pool_size(8);
    let gate = Arc::new(Gate::default());
    let object: Arc<dyn IGate> = gate.clone();
    let id = svc_rt.publish(&Strong::new(object));
    svc_rt.listen(&dir.path.join("gate.sock")).unwrap();
    let client_rt = Runtime::new().unwrap();
    let proxy = client_rt
        .proxy::<dyn IGate>(&dir.path.join("gate.sock"), id)
        .unwrap();

    let callers: Vec<_> = (0..10)
        .map(|i| {
            let proxy = proxy.clone();
            std::thread::spawn(move || proxy.pass(i).unwrap())
        })
        .collect();
    {
        let mut st = gate.state.lock().unwrap();
        while st.0 < 3 {
            st = gate.changed.wait(st).unwrap();
        }
    }
    // Give the other seven callers time to (wrongly) get in.
    std::thread::sleep(Duration::from_millis(100));
    let most_inside = gate.state.lock().unwrap().1;
    gate.state.lock().unwrap().2 = true;
    gate.changed.notify_all();
    let mut ids: Vec<u64> = callers.into_iter().map(|t| t.join().unwrap()).collect();
    ids.sort();

    assert_eq!(most_inside, 3);
    assert_eq!(ids, (0..10).collect::<Vec<_>>());
}

#[test]
fn call_naming_the_wrong_interface_gets_wrong_interface() {
    let (dir, _sm_rt, _svc_rt, client_rt) = setup();

    let err = client_rt
        .proxy::<dyn IGate>(&dir.path.join("sm.sock"), 0)
        .unwrap()
        .pass(1)
        .unwrap_err();

    assert_eq!(
        err.exception_code(),
        Some(ExceptionCode::WrongInterface),
        "{err}"
    );
}

#[test]
fn oversized_result_gives_too_large_and_the_connection_survives() {
    let (dir, _sm_rt, _svc_rt, client_rt) = setup();
    let sm = ServiceManager::connect_at(&client_rt, &dir.path.join("sm.sock")).unwrap();
    let counter = sm
        .get_service::<dyn ICounter>("yunhal.test.ICounter/default")
        .unwrap();
    let path = dir.path.join("huge");
    std::fs::write(&path, vec![1u8; (1 << 20) + 1]).unwrap();

    let err = counter
        .read_fd(Fd::new(std::fs::File::open(&path).unwrap()))
        .unwrap_err();

    assert!(
        matches!(
            err,
            Status::Transport(yunhal_ipc::TransportError::TooLarge { .. })
        ),
        "{err}"
    );
    assert_eq!(counter.add(1).unwrap(), 1, "the connection still works");
}
