//! What every member of a gossip cluster believes about every other, kept sparse: a rumor is
//! one update about one member (alive, suspect or dead, at an incarnation, from an accuser),
//! with the set of members that have heard it. A member's view of a subject is the newest
//! rumor about it that the member has heard, or the subject's baseline: what everyone has
//! heard. Rumors that every live member has heard fold into the baseline, so memory follows
//! the rumors in flight, not members².
//!
//! Precedence (memberlist's `aliveNode`, `suspectNode`, `deadNode`): an update wins over a view
//! when (incarnation, state) is greater, states ordered alive < suspect < dead — a refutation
//! needs a higher incarnation, a suspicion or death at the same incarnation overrides alive.

/// A member's state in someone's view, in precedence order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum State {
    Alive = 0,
    Suspect = 1,
    Dead = 2,
}

/// (incarnation, state): what a view holds, ordered by precedence.
pub(super) type Key = (u32, State);

/// A rumor's handle: its slot and the slot's generation (a folded rumor's handle goes stale).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RumorId {
    slot: u32,
    generation: u32,
}

/// One update about one member, and who has heard it.
pub(super) struct Rumor {
    pub subject: u32,
    pub key: Key,
    /// Who raised it (the suspicion's accuser, the death's declarer, the subject for alive).
    pub from: u32,
    knowers: Vec<u64>,
    known: u32,
}

impl Rumor {
    fn knows(&self, member: u32) -> bool {
        self.knowers.get((member / 64) as usize).is_some_and(|w| w >> (member % 64) & 1 == 1)
    }
}

/// Every member's view of every member.
pub(super) struct Knowledge {
    members: u32,
    /// Per subject: the key every live member holds at least.
    baseline: Vec<Key>,
    /// Per subject: its rumors not yet folded.
    active: Vec<Vec<RumorId>>,
    slots: Vec<(u32, Option<Rumor>)>,
    free: Vec<u32>,
    /// Per member: whether it is up (a down member hears nothing and counts for no fold).
    up: Vec<bool>,
    up_count: u32,
    pub created: u64,
}

impl Knowledge {
    /// `members` members, all alive at incarnation 0 in everyone's view.
    pub fn new(members: u32) -> Self {
        let n = members as usize;
        Knowledge {
            members,
            baseline: vec![(0, State::Alive); n],
            active: vec![Vec::new(); n],
            slots: Vec::new(),
            free: Vec::new(),
            up: vec![true; n],
            up_count: members,
            created: 0,
        }
    }

    /// The rumor behind `id`, unless it has been folded.
    pub fn get(&self, id: RumorId) -> Option<&Rumor> {
        // A folded rumor's slot may hold another rumor now: the generation tells.
        match self.slots.get(id.slot as usize) {
            Some((generation, Some(rumor))) if *generation == id.generation => Some(rumor),
            _ => None,
        }
    }

    /// What `member` believes about `subject`.
    pub fn view(&self, member: u32, subject: u32) -> Key {
        let heard = self.active[subject as usize].iter().filter_map(|&id| self.get(id)).filter(|r| r.knows(member));
        heard.map(|r| r.key).fold(self.baseline[subject as usize], Key::max)
    }

    /// The rumor (subject, key, from), made if new (no member has heard it yet).
    pub fn rumor(&mut self, subject: u32, key: Key, from: u32) -> RumorId {
        let same = |r: &Rumor| r.key == key && (key.1 != State::Suspect || r.from == from);
        if let Some(&id) = self.active[subject as usize].iter().find(|&&id| self.get(id).is_some_and(same)) {
            return id;
        }
        let words = self.members.div_ceil(64) as usize;
        let rumor = Rumor { subject, key, from, knowers: vec![0; words], known: 0 };
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push((0, None));
            self.slots.len() as u32 - 1
        });
        let entry = &mut self.slots[slot as usize];
        entry.1 = Some(rumor);
        let id = RumorId { slot, generation: entry.0 };
        self.active[subject as usize].push(id);
        self.created += 1;
        id
    }

    /// `member` hears rumor `id`: whether that is news to it (it had not heard it), and its
    /// view of the subject before.
    pub fn hear(&mut self, member: u32, id: RumorId) -> Option<Key> {
        let rumor = self.get(id)?;
        if rumor.knows(member) || !self.up[member as usize] {
            return None;
        }
        let before = self.view(member, rumor.subject);
        let (_, Some(rumor)) = self.slots.get_mut(id.slot as usize)? else { return None };
        rumor.knowers[(member / 64) as usize] |= 1 << (member % 64);
        rumor.known += 1;
        let subject = rumor.subject;
        self.fold(subject);
        Some(before)
    }

    /// A member crashed: it forgets everything (it re-joins by a full state exchange).
    pub fn member_down(&mut self, member: u32) {
        if !std::mem::replace(&mut self.up[member as usize], false) {
            return;
        }
        self.up_count -= 1;
        for (_, rumor) in self.slots.iter_mut() {
            if let Some(r) = rumor.as_mut().filter(|r| r.knows(member)) {
                r.knowers[(member / 64) as usize] &= !(1 << (member % 64));
                r.known -= 1;
            }
        }
        for subject in 0..self.members {
            self.fold(subject);
        }
    }

    /// A member recovered: a push-pull with a live member gives it every rumor in flight —
    /// those it takes as they are (alive ones, and any about itself) heard here; the
    /// suspicions and deaths of others returned, for the caller to merge as memberlist's
    /// `mergeState` does (they become the member's own suspicions).
    pub fn member_up(&mut self, member: u32) -> Vec<RumorId> {
        if std::mem::replace(&mut self.up[member as usize], true) {
            return Vec::new();
        }
        self.up_count += 1;
        let ids: Vec<RumorId> = self.active.iter().flatten().copied().collect();
        let (mut merged, mut taken) = (Vec::new(), Vec::new());
        for id in ids {
            let accusation = self.get(id).is_some_and(|r| r.subject != member && r.key.1 != State::Alive);
            if accusation { merged.push(id) } else { taken.push(id) }
        }
        for id in taken {
            self.hear(member, id);
        }
        merged
    }

    /// Folds the rumors of `subject` that every live member has heard into its baseline, and
    /// drops those that no view can show any more (below the baseline, or at it and heard by
    /// every live member).
    fn fold(&mut self, subject: u32) {
        let up_count = self.up_count;
        let mut floor = self.baseline[subject as usize];
        for &id in &self.active[subject as usize] {
            if let Some(r) = self.get(id).filter(|r| r.known >= up_count) {
                floor = floor.max(r.key);
            }
        }
        self.baseline[subject as usize] = floor;
        let mut list = std::mem::take(&mut self.active[subject as usize]);
        // A rumor at the floor that some live member has not heard still carries news: a
        // suspicion by another accuser is a confirmation.
        list.retain(|&id| {
            let keep = self.get(id).is_some_and(|r| r.key > floor || (r.key == floor && r.known < up_count));
            if !keep {
                self.release(id);
            }
            keep
        });
        self.active[subject as usize] = list;
    }

    fn release(&mut self, id: RumorId) {
        if let Some(entry) = self.slots.get_mut(id.slot as usize).filter(|e| e.0 == id.generation && e.1.is_some()) {
            entry.1 = None;
            entry.0 = entry.0.wrapping_add(1);
            self.free.push(id.slot);
        }
    }

    /// Whether `member` is up.
    pub fn is_up(&self, member: u32) -> bool {
        self.up[member as usize]
    }

    /// Members, up or down.
    pub fn members(&self) -> u32 {
        self.members
    }

    /// Live members.
    pub fn up_count(&self) -> u32 {
        self.up_count
    }
}
