//! The modem service over real IPC in one process, with a scripted modem:
//! indications reach listeners in order, call ends are told once, errors
//! name the method, a reset reads the modem again, a listener whose
//! runtime goes away is dropped.

use super::*;
use crate::supervisor::{Clock, Supervisor, SupervisorConfig};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yunhal::error::{DeviceError, ErrorKind, ErrorType};
use yunhal::modem::ipc::{IModem, IModemListener, ERROR_MODEM_UNAVAILABLE, MODEM_SERVICE};
use yunhal::modem::*;
use yunhal_ipc::{ExceptionCode, Runtime, ServiceManager, ServiceManagerService, Status, Strong};

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A modem whose answers and indications the test decides.
struct Scripted {
    indications: Mutex<Receiver<Indication>>,
    identity_reads: Arc<AtomicU32>,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl ErrorType for Scripted {
    type Error = DeviceError;
}

fn refuse(kind: ErrorKind, detail: &str) -> DeviceError {
    DeviceError {
        kind,
        detail: detail.into(),
    }
}

impl ModemDevice for Scripted {
    fn power(&self) -> Result<PowerState, DeviceError> {
        Ok(PowerState::On)
    }
    fn set_power(&self, _: PowerState) -> Result<(), DeviceError> {
        Ok(())
    }
    fn identity(&self) -> Result<Identity, DeviceError> {
        self.identity_reads.fetch_add(1, Ordering::SeqCst);
        Ok(Identity {
            manufacturer: "Quectel".into(),
            model: "EG25".into(),
            firmware: "EG25GGBR07A08M2G".into(),
            imei: "867698040000004".into(),
        })
    }
    fn sim(&self) -> Result<SimInfo, DeviceError> {
        Ok(SimInfo {
            status: SimStatus::Ready,
            iccid: Some("8949000000000000001".into()),
            imsi: Some("001010000000001".into()),
        })
    }
    fn enter_pin(&self, pin: &str) -> Result<SimStatus, DeviceError> {
        match pin {
            "1234" => Ok(SimStatus::Ready),
            _ => Err(refuse(
                ErrorKind::InvalidArgument,
                "+CME ERROR: 16 (incorrect password)",
            )),
        }
    }
    fn enter_puk(&self, _: &str, _: &str) -> Result<SimStatus, DeviceError> {
        Err(refuse(ErrorKind::InvalidState, "+CME ERROR: 3"))
    }
    fn network(&self) -> Result<NetworkStatus, DeviceError> {
        Ok(NetworkStatus {
            cs: RegistrationState::Home,
            eps: RegistrationState::Home,
            operator: None,
            access_technology: Some(AccessTechnology::Lte),
            area_code: None,
            cell_id: None,
        })
    }
    fn signal(&self) -> Result<SignalStrength, DeviceError> {
        Ok(SignalStrength::default())
    }
    fn calls(&self) -> Result<Vec<Call>, DeviceError> {
        Ok(self.calls.lock().unwrap().clone())
    }
    fn dial(&self, _: &str) -> Result<(), DeviceError> {
        Err(refuse(ErrorKind::Timeout, "ATD: no answer in 1 s"))
    }
    fn answer(&self) -> Result<(), DeviceError> {
        Ok(())
    }
    fn hang_up(&self, _: Option<u8>) -> Result<(), DeviceError> {
        Ok(())
    }
    fn swap_calls(&self) -> Result<(), DeviceError> {
        Ok(())
    }
    fn send_dtmf(&self, _: &str) -> Result<(), DeviceError> {
        Ok(())
    }
    fn send_sms(&self, _: &str, _: &str, _: bool) -> Result<SentSms, DeviceError> {
        Ok(SentSms {
            references: vec![7],
        })
    }
    fn ussd(&self, _: &str, _: Duration) -> Result<UssdResponse, DeviceError> {
        Ok(UssdResponse {
            status: UssdStatus::Done,
            text: Some("Balance: 5.00".into()),
        })
    }
    fn data_connections(&self) -> Result<Vec<DataConnection>, DeviceError> {
        Ok(Vec::new())
    }
    fn data_up(&self, apn: &str, family: IpFamily) -> Result<DataConnection, DeviceError> {
        Ok(DataConnection {
            cid: 1,
            apn: apn.into(),
            family,
            active: true,
            addresses: vec!["10.0.0.2".into()],
        })
    }
    fn data_down(&self, _: u8) -> Result<(), DeviceError> {
        Ok(())
    }
    fn next_indication(&self, timeout: Duration) -> Option<Indication> {
        self.indications.lock().unwrap().recv_timeout(timeout).ok()
    }
}

/// A directory removed with the fixture.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Fixture {
    _dir: TempDir,
    _sm_rt: Runtime,
    supervisor: Supervisor,
    client_rt: Runtime,
    modem: Strong<dyn IModem>,
    push: Sender<Indication>,
    identity_reads: Arc<AtomicU32>,
    calls: Arc<Mutex<Vec<Call>>>,
}

fn fixture() -> Fixture {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = TempDir(std::env::temp_dir().join(format!(
        "yh-modem-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )));
    std::fs::create_dir_all(&dir.0).unwrap();
    let socket = dir.0.join("sm.sock");
    let sm_rt = Runtime::new().unwrap();
    ServiceManagerService::serve(&sm_rt, &socket).unwrap();
    let (push, indications) = mpsc::channel();
    let identity_reads = Arc::new(AtomicU32::new(0));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let device = Scripted {
        indications: Mutex::new(indications),
        identity_reads: identity_reads.clone(),
        calls: calls.clone(),
    };
    let mut supervisor = Supervisor::new(SupervisorConfig::new(&socket), Arc::new(SystemClock));
    supervisor.add(Arc::new(ModemService::new(Box::new(device))));
    supervisor.start_all();
    let client_rt = Runtime::new().unwrap();
    let modem = ServiceManager::connect_at(&client_rt, &socket)
        .unwrap()
        .wait_for_service::<dyn IModem>(MODEM_SERVICE, Duration::from_secs(5))
        .unwrap();
    Fixture {
        _dir: dir,
        _sm_rt: sm_rt,
        supervisor,
        client_rt,
        modem,
        push,
        identity_reads,
        calls,
    }
}

struct Collect(Mutex<Sender<Indication>>);

impl IModemListener for Collect {
    fn on_indication(&self, indication: Indication) -> Result<(), Status> {
        let _ = self.0.lock().unwrap().send(indication);
        Ok(())
    }
}

fn listen(modem: &Strong<dyn IModem>) -> Receiver<Indication> {
    let (tx, rx) = mpsc::channel();
    let listener: Arc<dyn IModemListener> = Arc::new(Collect(Mutex::new(tx)));
    modem.add_listener(Strong::new(listener)).unwrap();
    rx
}

fn next(rx: &Receiver<Indication>) -> Indication {
    rx.recv_timeout(Duration::from_secs(5))
        .expect("an indication within 5 s")
}

fn call(id: u8, state: CallState) -> Call {
    Call {
        id,
        direction: CallDirection::Incoming,
        state,
        number: Some("+4930123456".into()),
        multiparty: false,
    }
}

#[test]
fn status_is_read_at_start() {
    let f = fixture();

    let status = f.modem.get_status().unwrap();

    assert!(status.available);
    assert_eq!(status.power, Some(PowerState::On));
    assert_eq!(status.identity.unwrap().model, "EG25");
    assert_eq!(status.sim.unwrap().status, SimStatus::Ready);
    assert!(status.network.unwrap().is_registered());
}

#[test]
fn listeners_get_indications_in_order_and_a_call_end_once() {
    let f = fixture();
    let rx = listen(&f.modem);
    let ring = Indication::Ring {
        number: Some("+4930123456".into()),
    };

    f.push.send(ring.clone()).unwrap();
    f.push
        .send(Indication::Calls(vec![call(1, CallState::Incoming)]))
        .unwrap();
    f.push.send(Indication::Calls(vec![])).unwrap();
    f.push
        .send(Indication::CallEnded {
            id: 1,
            reason: CallEndReason::Remote,
        })
        .unwrap();
    f.push
        .send(Indication::CallEnded {
            id: 1,
            reason: CallEndReason::Remote,
        })
        .unwrap();
    f.push.send(Indication::Sim(SimStatus::Ready)).unwrap();

    assert_eq!(next(&rx), ring);
    assert_eq!(
        next(&rx),
        Indication::Calls(vec![call(1, CallState::Incoming)])
    );
    assert_eq!(next(&rx), Indication::Calls(vec![]));
    assert_eq!(
        next(&rx),
        Indication::CallEnded {
            id: 1,
            reason: CallEndReason::Remote
        }
    );
    // A second CallEnded for the same call is not passed on.
    assert_eq!(next(&rx), Indication::Sim(SimStatus::Ready));
}

#[test]
fn errors_name_the_method_and_map_to_their_kind() {
    let f = fixture();

    let wrong_pin = f.modem.enter_pin("0000".into()).unwrap_err();
    let dial = f.modem.dial("+4930123456".into()).unwrap_err();
    let puk = f.modem.enter_puk("1".into(), "2".into()).unwrap_err();

    assert_eq!(
        wrong_pin.exception_code(),
        Some(ExceptionCode::IllegalArgument)
    );
    assert!(wrong_pin.to_string().contains("enter_pin"), "{wrong_pin}");
    assert!(wrong_pin.to_string().contains("incorrect password"));
    assert!(
        matches!(dial, Status::ServiceSpecific { code, .. } if code == ERROR_MODEM_UNAVAILABLE),
        "{dial:?}"
    );
    assert_eq!(puk.exception_code(), Some(ExceptionCode::IllegalState));
    assert_eq!(f.modem.enter_pin("1234".into()).unwrap(), SimStatus::Ready);
}

#[test]
fn a_reset_reads_the_modem_again_and_ends_the_calls() {
    let f = fixture();
    let rx = listen(&f.modem);
    f.push
        .send(Indication::Calls(vec![call(1, CallState::Active)]))
        .unwrap();
    next(&rx);
    let reads_before = f.identity_reads.load(Ordering::SeqCst);

    f.push
        .send(Indication::Reset {
            reason: "RDY".into(),
        })
        .unwrap();

    assert!(matches!(next(&rx), Indication::Reset { .. }));
    assert_eq!(
        next(&rx),
        Indication::CallEnded {
            id: 1,
            reason: CallEndReason::ModemLost
        }
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while f.identity_reads.load(Ordering::SeqCst) == reads_before {
        assert!(Instant::now() < deadline, "the modem was not read again");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(f.modem.get_status().unwrap().recoveries, 1);
}

#[test]
fn inbox_keeps_new_sms_and_deletes_by_id() {
    let f = fixture();
    let rx = listen(&f.modem);
    let sms = SmsMessage {
        from: "+4930123456".into(),
        text: "Grüße".into(),
        timestamp: SmsTimestamp::default(),
        parts: 1,
    };
    f.push.send(Indication::NewSms(sms.clone())).unwrap();
    next(&rx);

    assert_eq!(f.modem.get_status().unwrap().unread_sms, 1);
    let inbox = f.modem.list_sms().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].message, sms);
    assert_eq!(f.modem.get_status().unwrap().unread_sms, 0);
    f.modem.delete_sms(inbox[0].id).unwrap();
    let again = f.modem.delete_sms(inbox[0].id).unwrap_err();
    assert_eq!(again.exception_code(), Some(ExceptionCode::IllegalArgument));
    assert!(again.to_string().contains("delete_sms"), "{again}");
}

#[test]
fn hang_up_of_an_unknown_call_is_an_argument_error() {
    let f = fixture();
    f.calls.lock().unwrap().push(call(1, CallState::Active));

    let error = f.modem.hang_up(Some(4)).unwrap_err();

    assert_eq!(error.exception_code(), Some(ExceptionCode::IllegalArgument));
    f.modem.hang_up(Some(1)).unwrap();
}

#[test]
fn a_listener_whose_client_went_away_is_dropped() {
    let f = fixture();
    let Fixture {
        client_rt,
        modem,
        push,
        supervisor,
        ..
    } = f;
    let _rx = listen(&modem);
    let listeners = |supervisor: &Supervisor| {
        supervisor
            .handle()
            .dump(MODEM_SERVICE)
            .and_then(|d| d["service"]["listeners"].as_array().map(Vec::len))
    };
    assert_eq!(listeners(&supervisor), Some(1));

    drop(modem);
    client_rt.shutdown();
    push.send(Indication::Sim(SimStatus::Ready)).unwrap();

    let deadline = Instant::now() + Duration::from_secs(5);
    while listeners(&supervisor) != Some(0) {
        assert!(Instant::now() < deadline, "the listener was not dropped");
        std::thread::sleep(Duration::from_millis(10));
    }
}
