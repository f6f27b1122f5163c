//! The UI thread's single inbox: terminal input from a reader thread and
//! snapshots from the worker, so the UI sleeps in one blocking receive and
//! wakes the moment either arrives.
//!
//! Why not `crossterm::event::poll(timeout)` in the UI loop: with the
//! `use-dev-tty` feature (needed to read keys while the log comes on
//! stdin) it spins on `poll(.., 0)` for the sub-millisecond rest of every
//! timeout, about 4% of a core while idle. A thread blocked in
//! `event::read()` costs nothing.

use super::snapshot::Snapshot;
use crossterm::event::Event;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};

pub enum UiMsg {
    Input(Event),
    /// The terminal could not be read (the UI shows it and quits).
    InputError(String),
    Snapshot(Box<Snapshot>),
}

/// Messages queued before senders wait. Keys block the reader thread when
/// full (they queue in the tty meanwhile); snapshots are never queued more
/// than one at a time (see [`SnapshotSender`]).
const CAPACITY: usize = 256;

pub fn channel() -> (SyncSender<UiMsg>, Receiver<UiMsg>) {
    std::sync::mpsc::sync_channel(CAPACITY)
}

/// Start the thread that turns terminal input into messages.
pub fn spawn_input_reader(tx: SyncSender<UiMsg>) {
    std::thread::Builder::new()
        .name("ktriage-input".into())
        .spawn(move || {
            loop {
                let msg = match crossterm::event::read() {
                    Ok(ev) => UiMsg::Input(ev),
                    Err(e) => UiMsg::InputError(e.to_string()),
                };
                let stop = matches!(msg, UiMsg::InputError(_));
                if tx.send(msg).is_err() || stop {
                    return;
                }
            }
        })
        .expect("spawn input thread");
}

/// The worker's end: at most one snapshot in flight, so the UI always gets
/// the newest and a slow frame cannot make snapshots pile up.
pub struct SnapshotSender {
    tx: SyncSender<UiMsg>,
    in_flight: Arc<AtomicBool>,
}

/// What `SnapshotSender::send` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    Yes,
    /// The UI has not taken the previous one yet: try again later.
    Busy,
    /// The UI is gone.
    Closed,
}

impl SnapshotSender {
    pub fn new(tx: SyncSender<UiMsg>) -> (SnapshotSender, Arc<AtomicBool>) {
        let in_flight = Arc::new(AtomicBool::new(false));
        (
            SnapshotSender {
                tx,
                in_flight: in_flight.clone(),
            },
            in_flight,
        )
    }

    /// Whether a snapshot could be sent now (saves building one in vain).
    pub fn ready(&self) -> bool {
        !self.in_flight.load(Ordering::Acquire)
    }

    pub fn send(&self, snap: Box<Snapshot>) -> Sent {
        if !self.ready() {
            return Sent::Busy;
        }
        self.in_flight.store(true, Ordering::Release);
        match self.tx.try_send(UiMsg::Snapshot(snap)) {
            Ok(()) => Sent::Yes,
            Err(TrySendError::Full(_)) => {
                self.in_flight.store(false, Ordering::Release);
                Sent::Busy
            }
            Err(TrySendError::Disconnected(_)) => Sent::Closed,
        }
    }
}
