//! Informers (reflectors): list at the restart, then back-to-back watches.

use super::*;

impl Gen {
    pub(super) fn informer_uri(&mut self, i: usize, t: i64, watch: Option<i64>) -> String {
        let c = self.c.clone();
        let inf = &c.informers[i];
        let o = Obj::new(inf.resource)
            .ns(&inf.ns)
            .group(inf.group, inf.version);
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !inf.field.is_empty() {
            pairs.push(("fieldSelector", inf.field.clone()));
        }
        if !inf.label.is_empty() {
            pairs.push(("labelSelector", inf.label.clone()));
        }
        match watch {
            Some(timeout) => {
                pairs.push(("allowWatchBookmarks", "true".into()));
                pairs.push(("resourceVersion", self.rv(t - 2 * SEC)));
                pairs.push(("timeout", go_duration(timeout)));
                pairs.push(("timeoutSeconds", timeout.to_string()));
                pairs.push(("watch", "true".into()));
            }
            None => {
                pairs.push(("limit", "500".into()));
                pairs.push(("resourceVersion", "0".into()));
            }
        }
        format!("{}?{}", o.path("list"), query(&mut pairs))
    }

    /// At the restart: list, then watch.
    pub(super) fn informer_start(&mut self, i: usize, t: i64) {
        let c = self.c.clone();
        let inf = &c.informers[i];
        let uri = self.informer_uri(i, t, None);
        let o = Obj::new(inf.resource)
            .ns(&inf.ns)
            .group(inf.group, inf.version);
        self.plain(t, &Req::new(&c.actors[inf.who], "list", &uri, Some(o)));
        let at = t + self.rng.ms(20, 90);
        self.informer_watch(i, at);
    }

    pub(super) fn informer_watch(&mut self, i: usize, t: i64) {
        let c = self.c.clone();
        let inf = &c.informers[i];
        // client-go: minWatchTimeout (5 min) * [1, 2).
        let timeout = self.rng.range(300, 600);
        // Now and then a watch ends with "too old resource version": relist.
        let t = if self.rng.chance(15) {
            let uri = self.informer_uri(i, t, None);
            let o = Obj::new(inf.resource)
                .ns(&inf.ns)
                .group(inf.group, inf.version);
            self.plain(t, &Req::new(&c.actors[inf.who], "list", &uri, Some(o)));
            t + self.rng.ms(20, 90)
        } else {
            t
        };
        let uri = self.informer_uri(i, t, Some(timeout));
        let o = Obj::new(inf.resource)
            .ns(&inf.ns)
            .group(inf.group, inf.version);
        let lat = self.rng.range(1_000, 4_000);
        self.call(
            t,
            &Req::new(&c.actors[inf.who], "watch", &uri, Some(o)),
            Mode::Watch { lat, timeout },
        );
        let end = t + timeout * SEC + 3_000;
        self.seq += 1;
        self.heap.push(Pending {
            t: end,
            seq: self.seq,
            item: Item::Restart(i as u32),
        });
    }
}
