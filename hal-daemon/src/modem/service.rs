//! `yunhal.modem.IModem/default`: the board's modem served over IPC. One
//! worker thread takes the driver's indications, keeps the [`ModemView`]
//! and passes each indication to every listener; IPC methods call the
//! driver on the caller's thread (the AT port queues them).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use yunhal::error::{DeviceError, ErrorKind};
use yunhal::modem::ipc::{
    IModem, IModemListener, InboxEntry, ModemStatus, ERROR_MODEM_REFUSED, ERROR_MODEM_UNAVAILABLE,
    MODEM_SERVICE,
};
use yunhal::modem::{
    BoxedModem, Call, DataConnection, Indication, IpFamily, PowerState, SentSms, SimStatus,
    UssdResponse,
};
use yunhal_ipc::{caller, DeathLink, Handle, Interface, Status, Strong};

use super::state::ModemView;
use crate::supervisor::{HalService, ServiceContext, ServiceError};

/// How long the worker waits for an indication before checking for stop.
const POLL: Duration = Duration::from_millis(100);

/// How long a USSD request waits for the network's answer.
pub const USSD_TIMEOUT: Duration = Duration::from_secs(20);

struct Listener {
    id: u64,
    owner: String,
    listener: Strong<dyn IModemListener>,
    link: Option<DeathLink>,
}

struct Shared {
    device: BoxedModem,
    view: Mutex<ModemView>,
    listeners: Mutex<Vec<Listener>>,
    next_listener: AtomicU64,
    stop: AtomicBool,
}

impl Shared {
    fn view(&self) -> MutexGuard<'_, ModemView> {
        self.view.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn listeners(&self) -> MutexGuard<'_, Vec<Listener>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads every part of the modem's state again (at start, and after a
    /// reset or a recovery). A part that fails to read keeps its old value.
    fn refresh(&self) {
        let device = &self.device;
        let power = device.power();
        let identity = device.identity();
        let sim = device.sim();
        let network = device.network();
        let signal = device.signal();
        let calls = device.calls();
        let data = device.data_connections();
        let mut view = self.view();
        let status = &mut view.status;
        let mut failed = Vec::new();
        match power {
            Ok(p) => status.power = Some(p),
            Err(e) => failed.push(("power", e)),
        }
        match identity {
            Ok(i) => status.identity = Some(i),
            Err(e) => failed.push(("identity", e)),
        }
        match sim {
            Ok(s) => status.sim = Some(s),
            Err(e) => failed.push(("sim", e)),
        }
        match network {
            Ok(n) => status.network = Some(n),
            Err(e) => failed.push(("network", e)),
        }
        match signal {
            Ok(s) => status.signal = Some(s),
            Err(e) => failed.push(("signal", e)),
        }
        match data {
            Ok(d) => status.data = d,
            Err(e) => failed.push(("data", e)),
        }
        match calls {
            Ok(c) => {
                view.set_calls(c);
            }
            Err(e) => failed.push(("calls", e)),
        }
        for (part, error) in failed {
            tracing::warn!(part, %error, "reading the modem's state");
        }
    }

    /// Takes an indication of the driver in and passes it on: a call's
    /// end once, and after a reset the end of every call the reset took.
    fn handle(&self, indication: Indication) {
        let ended = self.view().apply(&indication);
        let mut out = Vec::with_capacity(1 + ended.len());
        let refresh = matches!(
            indication,
            Indication::Reset { .. } | Indication::Available(true)
        );
        if matches!(indication, Indication::CallEnded { .. }) {
            if ended.iter().any(|e| e.call.is_some()) {
                out.push(indication);
            }
        } else {
            out.push(indication);
            out.extend(ended.into_iter().filter_map(|e| {
                e.call.map(|call| Indication::CallEnded {
                    id: call.id,
                    reason: e.reason,
                })
            }));
        }
        for indication in &out {
            tracing::debug!(?indication, "modem indication");
            self.broadcast(indication);
        }
        if refresh {
            self.refresh();
        }
    }

    /// Sends `indication` to every listener; a listener that cannot take
    /// it is gone.
    fn broadcast(&self, indication: &Indication) {
        let listeners: Vec<(u64, Strong<dyn IModemListener>)> = self
            .listeners()
            .iter()
            .map(|l| (l.id, l.listener.clone()))
            .collect();
        for (id, listener) in listeners {
            if let Err(status) = listener.on_indication(indication.clone()) {
                tracing::info!(listener = id, %status, "modem listener dropped");
                self.remove_listener(id);
            }
        }
    }

    fn remove_listener(&self, id: u64) {
        let removed = {
            let mut listeners = self.listeners();
            let index = listeners.iter().position(|l| l.id == id);
            index.map(|i| listeners.remove(i))
        };
        if let Some(listener) = removed {
            tracing::debug!(listener = id, owner = %listener.owner, "modem listener removed");
            if let (Some(link), Some(handle)) = (listener.link, listener.listener.handle()) {
                handle.unlink_to_death(link);
            }
        }
    }
}

/// The modem service as the supervisor runs it.
pub struct ModemService {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl ModemService {
    /// A service over the board's modem.
    pub fn new(device: BoxedModem) -> ModemService {
        ModemService {
            shared: Arc::new(Shared {
                device,
                view: Mutex::new(ModemView::new()),
                listeners: Mutex::new(Vec::new()),
                next_listener: AtomicU64::new(1),
                stop: AtomicBool::new(false),
            }),
            worker: Mutex::new(None),
        }
    }
}

impl HalService for ModemService {
    fn name(&self) -> &str {
        MODEM_SERVICE
    }

    fn descriptor(&self) -> &'static str {
        <dyn IModem as Interface>::DESCRIPTOR
    }

    fn version(&self) -> u32 {
        <dyn IModem as Interface>::VERSION
    }

    fn start(&self, ctx: &ServiceContext) -> Result<(), ServiceError> {
        self.shared.stop.store(false, Ordering::SeqCst);
        self.shared.refresh();
        let shared = self.shared.clone();
        let worker = ctx
            .spawn("modem", move || {
                while !shared.stop.load(Ordering::SeqCst) {
                    if let Some(indication) = shared.device.next_indication(POLL) {
                        shared.handle(indication);
                    }
                }
                Ok(())
            })
            .map_err(|e| ServiceError::Driver(format!("starting the modem worker: {e}")))?;
        *self.worker.lock().unwrap_or_else(|p| p.into_inner()) = Some(worker);
        let object: Arc<dyn IModem> = Arc::new(Modem(self.shared.clone()));
        ctx.publish(&Strong::new(object))
    }

    /// The modem keeps its calls and registration: stopping the service
    /// only stops listening to it.
    fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(worker) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = worker.join();
        }
        self.shared.listeners().clear();
    }

    fn dump(&self) -> serde_json::Value {
        let listeners: Vec<String> = self
            .shared
            .listeners()
            .iter()
            .map(|l| format!("{} ({})", l.id, l.owner))
            .collect();
        serde_json::json!({
            "status": serde_json::to_value(&self.shared.view().status).unwrap_or_default(),
            "listeners": listeners,
        })
    }
}

/// Turns a driver error into the status a client gets, naming the method.
fn status(method: &str, error: DeviceError) -> Status {
    let message = format!("{method}: {}", error.detail);
    match error.kind {
        ErrorKind::InvalidArgument => Status::illegal_argument(message),
        ErrorKind::InvalidState => Status::illegal_state(message),
        ErrorKind::Timeout | ErrorKind::NotPresent => {
            Status::service_specific(ERROR_MODEM_UNAVAILABLE, message)
        }
        _ => Status::service_specific(ERROR_MODEM_REFUSED, message),
    }
}

/// Who called, for logs and dumps.
fn caller_name() -> String {
    caller().map_or_else(
        || "in-process".to_string(),
        |p| format!("pid {} uid {}", p.pid, p.uid),
    )
}

/// The published object.
struct Modem(Arc<Shared>);

impl Modem {
    fn device(&self) -> &BoxedModem {
        &self.0.device
    }
}

impl IModem for Modem {
    fn get_status(&self) -> Result<ModemStatus, Status> {
        Ok(self.0.view().status.clone())
    }

    fn set_power(&self, state: PowerState) -> Result<(), Status> {
        self.device()
            .set_power(state)
            .map_err(|e| status("set_power", e))?;
        self.0.view().status.power = Some(state);
        Ok(())
    }

    fn enter_pin(&self, pin: String) -> Result<SimStatus, Status> {
        let sim = self
            .device()
            .enter_pin(&pin)
            .map_err(|e| status("enter_pin", e))?;
        self.0.view().apply(&Indication::Sim(sim));
        Ok(sim)
    }

    fn enter_puk(&self, puk: String, new_pin: String) -> Result<SimStatus, Status> {
        let sim = self
            .device()
            .enter_puk(&puk, &new_pin)
            .map_err(|e| status("enter_puk", e))?;
        self.0.view().apply(&Indication::Sim(sim));
        Ok(sim)
    }

    fn list_calls(&self) -> Result<Vec<Call>, Status> {
        self.device().calls().map_err(|e| status("list_calls", e))
    }

    fn dial(&self, number: String) -> Result<(), Status> {
        tracing::info!(caller = %caller_name(), "dial");
        self.device().dial(&number).map_err(|e| status("dial", e))
    }

    fn answer(&self) -> Result<(), Status> {
        self.device().answer().map_err(|e| status("answer", e))
    }

    fn hang_up(&self, id: Option<u8>) -> Result<(), Status> {
        if let Some(id) = id {
            if !self.0.view().status.calls.iter().any(|c| c.id == id) {
                let calls = self.device().calls().map_err(|e| status("hang_up", e))?;
                if !calls.iter().any(|c| c.id == id) {
                    return Err(Status::illegal_argument(format!(
                        "hang_up: id: there is no call {id}"
                    )));
                }
            }
        }
        self.device().hang_up(id).map_err(|e| status("hang_up", e))
    }

    fn swap_calls(&self) -> Result<(), Status> {
        self.device()
            .swap_calls()
            .map_err(|e| status("swap_calls", e))
    }

    fn send_dtmf(&self, digits: String) -> Result<(), Status> {
        self.device()
            .send_dtmf(&digits)
            .map_err(|e| status("send_dtmf", e))
    }

    fn send_sms(&self, to: String, text: String, request_report: bool) -> Result<SentSms, Status> {
        tracing::info!(caller = %caller_name(), chars = text.chars().count(), "send_sms");
        self.device()
            .send_sms(&to, &text, request_report)
            .map_err(|e| status("send_sms", e))
    }

    fn list_sms(&self) -> Result<Vec<InboxEntry>, Status> {
        Ok(self.0.view().list_sms())
    }

    fn delete_sms(&self, id: u32) -> Result<(), Status> {
        if self.0.view().delete_sms(id) {
            Ok(())
        } else {
            Err(Status::illegal_argument(format!(
                "delete_sms: id: the inbox has no message {id}"
            )))
        }
    }

    fn send_ussd(&self, request: String) -> Result<UssdResponse, Status> {
        self.device()
            .ussd(&request, USSD_TIMEOUT)
            .map_err(|e| status("send_ussd", e))
    }

    fn data_up(&self, apn: String, family: IpFamily) -> Result<DataConnection, Status> {
        let connection = self
            .device()
            .data_up(&apn, family)
            .map_err(|e| status("data_up", e))?;
        self.0.view().set_data(connection.clone());
        Ok(connection)
    }

    fn data_down(&self, cid: u8) -> Result<(), Status> {
        self.device()
            .data_down(cid)
            .map_err(|e| status("data_down", e))?;
        self.0.view().apply(&Indication::DataDisconnected { cid });
        Ok(())
    }

    fn add_listener(&self, listener: Strong<dyn IModemListener>) -> Result<(), Status> {
        let id = self.0.next_listener.fetch_add(1, Ordering::Relaxed);
        let owner = caller_name();
        let link = match listener.handle() {
            Some(handle) => {
                let shared: Weak<Shared> = Arc::downgrade(&self.0);
                let link = handle.link_to_death(Arc::new(move |_: &Handle| {
                    if let Some(shared) = shared.upgrade() {
                        shared.remove_listener(id);
                    }
                }))?;
                Some(link)
            }
            None => None,
        };
        tracing::debug!(listener = id, %owner, "modem listener added");
        self.0.listeners().push(Listener {
            id,
            owner,
            listener,
            link,
        });
        Ok(())
    }
}
