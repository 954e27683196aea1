//! The client role: runs commands against the test service and prints one
//! answer line per command, `<command> <outcome>` (see
//! `yunhal_tests::outcome`). Asynchronous events print their own lines:
//! `callback-value V`, `callback-event V` (the service called this client's
//! callback) and `service-died N` (the N-th death notice of the service).

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use yunhal_ipc::{Handle, Runtime, ServiceManager, Status, Strong};
use yunhal_tests::interfaces::{
    ICallback, ITestService, IVersionedV2, Mode, TEST_SERVICE, VERSIONED_SERVICE,
};
use yunhal_tests::outcome::format;
use yunhal_tests::shared_memory::SharedMapping;

/// Where in the shared memory the client writes its answer.
const CLIENT_OFFSET: usize = 2048;

pub fn run(socket: &Path, name: Option<&str>, commands: &[String]) -> anyhow::Result<()> {
    let rt = Runtime::new()?;
    let sm = ServiceManager::connect_at(&rt, socket)?;
    let service = sm.get_service::<dyn ITestService>(name.unwrap_or(TEST_SERVICE))?;
    let callback = Arc::new(PrintingCallback {
        service: service.clone(),
    });
    let client = Client {
        sm,
        service,
        callback,
        service_deaths: Arc::default(),
        held: Mutex::default(),
    };
    println!("ready");
    if commands.is_empty() {
        for line in std::io::stdin().lock().lines() {
            client.run(line?.trim());
        }
    } else {
        for command in commands {
            client.run(command);
        }
    }
    Ok(())
}

/// Prints what it is called with; `reenter` calls the service back.
struct PrintingCallback {
    service: Strong<dyn ITestService>,
}

impl ICallback for PrintingCallback {
    fn on_value(&self, value: u64) -> Result<u64, Status> {
        println!("callback-value {value}");
        Ok(value + 1)
    }

    fn on_event(&self, value: u64) -> Result<(), Status> {
        println!("callback-event {value}");
        Ok(())
    }

    fn reenter(&self, value: u64) -> Result<u64, Status> {
        let result = self.service.add(value, 1);
        println!("callback-reenter {}", format(&result));
        result
    }
}

struct Client {
    sm: ServiceManager,
    service: Strong<dyn ITestService>,
    callback: Arc<dyn ICallback>,
    service_deaths: Arc<AtomicU32>,
    /// Objects the client was handed and keeps.
    held: Mutex<Vec<Strong<dyn ITestService>>>,
}

impl Client {
    fn run(&self, line: &str) {
        let (command, arg) = line.split_once(' ').unwrap_or((line, ""));
        if let Err(e) = self.try_run(command, arg) {
            println!("{command} bad-command {e}");
        }
    }

    fn try_run(&self, command: &str, arg: &str) -> anyhow::Result<()> {
        let s = &self.service;
        let answer = match command {
            "echo" => format(&s.echo(arg.to_string())),
            "add" => {
                let (a, b) = arg
                    .split_once(' ')
                    .ok_or_else(|| anyhow::anyhow!("add A B"))?;
                format(&s.add(a.parse()?, b.parse()?))
            }
            "whoami" => format(&s.whoami()),
            "push-then-read" => format(&self.push_then_read(arg.parse()?)),
            "register-callback" => format(&s.register_callback(Strong::new(self.callback.clone()))),
            "call-back" => format(&s.call_back(arg.parse()?)),
            "call-back-oneway" => format(&s.call_back_oneway(arg.parse()?)),
            "link-death" => format(&self.link_death()),
            "service-deaths" => self.service_deaths.load(Ordering::SeqCst).to_string(),
            "share-memory" => format(&self.share_memory(arg)),
            "set-mode" => {
                let mode = match arg {
                    "Off" => Mode::Off,
                    "Low" => Mode::Low,
                    "High" => Mode::High,
                    other => anyhow::bail!("no mode {other:?}"),
                };
                format(&s.set_mode(mode))
            }
            "v2-name" => format(&self.versioned_v2().and_then(|v| v.name())),
            "v2-added" => format(&self.versioned_v2().and_then(|v| v.added_in_v2())),
            "load" => format(&self.load(arg.parse()?)),
            "park" => format(&s.park()),
            "myself" => format(&self.hold_myself()),
            "big-reply" => format(&self.big_reply(arg.parse()?)),
            "reenter" => format(&s.reenter_callbacks(arg.parse()?)),
            "reenter-oneway" => format(&s.reenter_callbacks_oneway(arg.parse()?)),
            other => anyhow::bail!("unknown command {other:?}"),
        };
        println!("{command} {answer}");
        Ok(())
    }

    /// `n` oneway pushes, then a two-way call on the same connection.
    fn push_then_read(&self, n: u64) -> Result<Vec<u64>, Status> {
        for seq in 0..n {
            self.service.push(seq)?;
        }
        self.service.pushed()
    }

    fn link_death(&self) -> Result<(), Status> {
        let handle = self
            .service
            .handle()
            .ok_or_else(|| Status::illegal_state("the service is local"))?;
        let deaths = self.service_deaths.clone();
        handle.link_to_death(Arc::new(move |_: &Handle| {
            let n = deaths.fetch_add(1, Ordering::SeqCst) + 1;
            println!("service-died {n}");
        }))?;
        Ok(())
    }

    /// Maps the service's memfd, prints what the service wrote
    /// (`shared-read TEXT`), writes `client <pid>` at [`CLIENT_OFFSET`] and
    /// returns what the service reads there through its own mapping.
    fn share_memory(&self, text: &str) -> Result<String, Status> {
        let fd = self.service.share_memory(4096, text.to_string())?;
        let mapping =
            SharedMapping::whole(&fd).map_err(|e| Status::illegal_state(format!("mmap: {e}")))?;
        let seen = mapping
            .read(0, text.len())
            .map_err(|e| Status::illegal_state(e.to_string()))?;
        println!("shared-read {}", String::from_utf8_lossy(&seen));
        let mine = format!("client {}", std::process::id());
        mapping
            .write(CLIENT_OFFSET, mine.as_bytes())
            .map_err(|e| Status::illegal_state(e.to_string()))?;
        let theirs = self
            .service
            .read_shared(CLIENT_OFFSET as u64, mine.len() as u64)?;
        Ok(String::from_utf8_lossy(&theirs).into_owned())
    }

    /// Asks for a reply of `len` bytes (the whole of a memfd of that size);
    /// the length that came back.
    fn big_reply(&self, len: u64) -> Result<usize, Status> {
        self.service.share_memory(len, String::new())?;
        self.service.read_shared(0, len).map(|bytes| bytes.len())
    }

    /// Keeps the object `myself()` hands out; whether it is the same
    /// object as the registered service.
    fn hold_myself(&self) -> Result<bool, Status> {
        let me = self.service.myself()?;
        let same = me.same_object(&self.service);
        self.held.lock().unwrap_or_else(|p| p.into_inner()).push(me);
        Ok(same)
    }

    fn versioned_v2(&self) -> Result<Strong<dyn IVersionedV2>, Status> {
        self.sm.get_service::<dyn IVersionedV2>(VERSIONED_SERVICE)
    }

    /// `n` two-way calls, each checked; the number done.
    fn load(&self, n: u64) -> Result<u64, Status> {
        let me = u64::from(std::process::id());
        for i in 0..n {
            let sum = self.service.add(i, me)?;
            if sum != i + me {
                return Err(Status::illegal_state(format!("add({i}, {me}) gave {sum}")));
            }
        }
        Ok(n)
    }
}
