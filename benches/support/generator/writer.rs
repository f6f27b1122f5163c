//! The generator proper: the event queue, the background mix, the clock,
//! and the loop that writes events in `stageTimestamp` order.

use super::*;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::rc::Rc;

pub(super) enum Item {
    /// A rendered event; `keep`: written even past the end (attack events).
    Line { buf: Vec<u8>, keep: bool },
    /// An informer's watch ended: start the next one.
    Restart(u32),
}

pub(super) struct Pending {
    pub(super) t: i64,
    pub(super) seq: u64,
    pub(super) item: Item,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    // Reversed: BinaryHeap is a max-heap, we want the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

/// The background traffic mix: what one step of the generator does, with
/// its weight.
#[derive(Clone, Copy, Debug)]
pub(super) enum Bg {
    NodeLease,
    LeaderLease,
    NodeStatus,
    PodStatus,
    KubeletGet,
    Events,
    Endpoints,
    Controllers,
    Scheduler,
    Probe,
    Metrics,
    Discovery,
    Human,
    ArgoApp,
    FluxStatus,
    FluxApply,
    AuthReview,
    CrdStatus,
    ConfigMap,
    CiDeploy,
    KubeletToken,
    KubeletSecret,
    ControllerSecret,
    SecretWrite,
    HelmController,
    KcmToken,
    HelmHuman,
    RbacRead,
    Aggregate,
    ArgoRbac,
}

pub(super) const MIX: &[(Bg, u32)] = &[
    (Bg::NodeLease, 2200),
    (Bg::LeaderLease, 900),
    (Bg::NodeStatus, 250),
    (Bg::PodStatus, 400),
    (Bg::KubeletGet, 500),
    (Bg::Events, 700),
    (Bg::Endpoints, 450),
    (Bg::Controllers, 450),
    (Bg::Scheduler, 120),
    (Bg::Probe, 500),
    (Bg::Metrics, 250),
    (Bg::Discovery, 200),
    (Bg::Human, 250),
    (Bg::ArgoApp, 250),
    (Bg::FluxStatus, 200),
    (Bg::FluxApply, 60),
    (Bg::AuthReview, 300),
    (Bg::CrdStatus, 250),
    (Bg::ConfigMap, 200),
    (Bg::CiDeploy, 40),
    (Bg::KubeletToken, 250),
    (Bg::KubeletSecret, 120),
    (Bg::ControllerSecret, 260),
    (Bg::SecretWrite, 15),
    (Bg::HelmController, 30),
    (Bg::KcmToken, 10),
    (Bg::HelmHuman, 5),
    (Bg::RbacRead, 40),
    (Bg::Aggregate, 3),
    (Bg::ArgoRbac, 8),
];

pub(super) enum Warm {
    Informer(usize),
    Reader(usize),
}

pub(super) struct Gen {
    pub(super) rng: Rng,
    pub(super) c: Rc<Cluster>,
    pub(super) size: u64,
    pub(super) span: i64,
    /// Bytes rendered so far (written or pending): drives the clock.
    pub(super) generated: u64,
    pub(super) heap: BinaryHeap<Pending>,
    pub(super) seq: u64,
    pub(super) pool: Vec<Vec<u8>>,
    pub(super) warm: std::collections::VecDeque<Warm>,
    pub(super) next_attack: usize,
    /// Attack being rendered (its lines are kept past the end).
    pub(super) in_attack: bool,
    pub(super) attack_first_seq: Vec<u64>,
    pub(super) mix_total: u64,
    pub(super) summary: Summary,
}

impl Gen {
    pub(super) fn new(seed: u64, size: u64) -> Gen {
        let c = Rc::new(Cluster::build());
        let span = span_for(size);
        // Informers restart every ~7.5 minutes whatever the size: keep their
        // traffic to about a fifth of a small file.
        let bytes_per_s = size as f64 / (span / SEC) as f64;
        let n_informers = ((bytes_per_s * 0.2 / 5.0) as usize).clamp(8, c.informers.len());
        let mut warm = std::collections::VecDeque::new();
        for i in 0..n_informers {
            warm.push_back(Warm::Informer(i));
        }
        // One read by every controller that reads secrets (each
        // identity/IP/user agent once).
        let mut seen = Vec::new();
        for (i, r) in c.readers.iter().enumerate() {
            if !seen.contains(&r.0) {
                seen.push(r.0);
                warm.push_back(Warm::Reader(i));
            }
        }
        Gen {
            rng: Rng::new(seed),
            c,
            size,
            span,
            generated: 0,
            heap: BinaryHeap::new(),
            seq: 0,
            pool: Vec::new(),
            warm,
            next_attack: 0,
            in_attack: false,
            attack_first_seq: Vec::new(),
            mix_total: MIX.iter().map(|m| m.1 as u64).sum(),
            summary: Summary::default(),
        }
    }

    pub(super) fn clock(&self) -> i64 {
        START + (self.generated as u128 * self.span as u128 / self.size as u128) as i64
    }

    pub(super) fn id(&mut self) -> (u64, u64) {
        (self.rng.next_u64(), self.rng.next_u64())
    }

    pub(super) fn buf(&mut self) -> Vec<u8> {
        self.pool.pop().unwrap_or_else(|| Vec::with_capacity(2048))
    }

    pub(super) fn push(&mut self, t: i64, buf: Vec<u8>) {
        self.generated += buf.len() as u64;
        self.seq += 1;
        self.heap.push(Pending {
            t,
            seq: self.seq,
            item: Item::Line {
                buf,
                keep: self.in_attack,
            },
        });
    }

    pub(super) fn rv(&mut self, t: i64) -> String {
        (48_113_000 + (t - START) / SEC * 7 + self.rng.below(6) as i64).to_string()
    }

    /// Render and queue the stages of one request starting at `t`.
    pub(super) fn call(&mut self, t: i64, r: &Req<'_>, mode: Mode) {
        let id = self.id();
        let rr = logs_request_received(r.obj.as_ref(), r.verb);
        match mode {
            Mode::Plain { lat } => {
                if rr {
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::RequestReceived, t, t, 0);
                    self.push(t, b);
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::ResponseComplete, t, t + lat, r.code);
                    self.push(t + lat, b);
                } else {
                    // Written when it completes, at t.
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::ResponseComplete, t - lat, t, r.code);
                    self.push(t, b);
                }
            }
            Mode::Watch { lat, timeout } => {
                if rr {
                    let mut b = self.buf();
                    render(&mut b, r, id, Stage::RequestReceived, t, t, 0);
                    self.push(t, b);
                }
                let mut b = self.buf();
                render(&mut b, r, id, Stage::ResponseStarted, t, t + lat, r.code);
                self.push(t + lat, b);
                let end = t + timeout * SEC + self.rng.ms(0, 3);
                let mut b = self.buf();
                render(&mut b, r, id, Stage::ResponseComplete, t, end, r.code);
                self.push(end, b);
            }
            Mode::Stream { lat } => {
                let mut b = self.buf();
                render(&mut b, r, id, Stage::RequestReceived, t, t, 0);
                self.push(t, b);
                let mut b = self.buf();
                render(&mut b, r, id, Stage::ResponseStarted, t, t + lat, 101);
                self.push(t + lat, b);
            }
        }
    }

    /// A plain request with a typical latency for its verb.
    pub(super) fn plain(&mut self, t: i64, r: &Req<'_>) {
        let lat = match r.verb {
            "get" => self.rng.range(900, 9_000),
            "list" => self.rng.range(3_000, 40_000),
            _ => self.rng.range(4_000, 25_000),
        };
        self.call(t, r, Mode::Plain { lat });
    }

    pub(super) fn run<W: Write>(mut self, out: W) -> io::Result<Summary> {
        let mut w = io::BufWriter::with_capacity(1 << 20, out);
        self.summary.first_time = START;
        while self.generated < self.size {
            let t = self.clock();
            while self.next_attack < ATTACKS.len()
                && self.generated as f64 >= ATTACKS[self.next_attack].1 * self.size as f64
            {
                let k = self.next_attack;
                self.next_attack += 1;
                self.attack_first_seq.push(self.seq + 1);
                self.in_attack = true;
                self.attack(k, t);
                self.in_attack = false;
            }
            self.flush(&mut w, t)?;
            match self.warm.pop_front() {
                Some(Warm::Informer(i)) => self.informer_start(i, t),
                Some(Warm::Reader(i)) => {
                    let (who, ns, name) = self.c.readers[i];
                    self.secret_get(t, who, ns, name);
                }
                None => self.background(t),
            }
        }
        // The end: what completes within seconds is written; watches still
        // open stay open (only their ResponseStarted is in the file).
        let end = self.clock() + 10 * SEC;
        while let Some(p) = self.heap.pop() {
            if let Item::Line { buf, keep } = p.item
                && (keep || p.t <= end)
            {
                self.write(&mut w, p.t, p.seq, buf)?;
            }
        }
        w.flush()?;
        Ok(self.summary)
    }

    pub(super) fn write<W: Write>(
        &mut self,
        w: &mut W,
        t: i64,
        seq: u64,
        mut buf: Vec<u8>,
    ) -> io::Result<()> {
        w.write_all(&buf)?;
        self.summary.bytes += buf.len() as u64;
        self.summary.events += 1;
        self.summary.last_time = t;
        if let Some(k) = self.attack_first_seq.iter().position(|&s| s == seq) {
            while self.summary.attack_lines.len() <= k {
                self.summary.attack_lines.push(0);
            }
            self.summary.attack_lines[k] = self.summary.events;
        }
        buf.clear();
        if self.pool.len() < 4096 {
            self.pool.push(buf);
        }
        Ok(())
    }

    /// Write every queued event up to `t`, restarting informers on the way.
    pub(super) fn flush<W: Write>(&mut self, w: &mut W, t: i64) -> io::Result<()> {
        while self.heap.peek().is_some_and(|p| p.t <= t) {
            let p = self.heap.pop().expect("peeked");
            match p.item {
                Item::Line { buf, .. } => self.write(w, p.t, p.seq, buf)?,
                Item::Restart(i) => {
                    let at = p.t + self.rng.ms(2, 12);
                    self.informer_watch(i as usize, at);
                }
            }
        }
        Ok(())
    }
}
