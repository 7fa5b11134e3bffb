//! The in-memory [`Store`].

use super::{AppendError, LineageId, Recorded, Revision, SCHEMA_VERSION, Store, StoreError};

/// A [`Store`] in memory: nothing survives the process. For tests, examples and embedding.
///
/// Share it between threads behind a `Mutex`; optimistic concurrency still applies.
///
/// ```
/// use relman_env::store::{AppendError, LineageId, MemoryStore, Revision, Store};
///
/// let mut store = MemoryStore::new(LineageId::new("demo")?);
/// let r1 = store.append(Revision::ZERO, &["a", "b"])?;
/// assert_eq!(r1, Revision::new(2));
/// assert!(matches!(
///     store.append(Revision::ZERO, &["c"]),
///     Err(AppendError::Conflict { current, .. }) if current == r1
/// ));
/// assert_eq!(store.load()?.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MemoryStore<E> {
    lineage: LineageId,
    events: Vec<Recorded<E>>,
}

impl<E> MemoryStore<E> {
    /// An empty store of lineage `lineage`.
    pub fn new(lineage: LineageId) -> Self {
        Self {
            lineage,
            events: Vec::new(),
        }
    }

    fn current(&self) -> Revision {
        self.events.last().map_or(Revision::ZERO, |r| r.revision)
    }
}

impl<E: Clone> Store for MemoryStore<E> {
    type Event = E;

    fn lineage(&self) -> &LineageId {
        &self.lineage
    }

    fn schema_version(&self) -> u32 {
        SCHEMA_VERSION
    }

    fn revision(&mut self) -> Result<Revision, StoreError> {
        Ok(self.current())
    }

    fn append(&mut self, expected: Revision, events: &[E]) -> Result<Revision, AppendError> {
        let current = self.current();
        if expected != current {
            return Err(AppendError::Conflict { expected, current });
        }
        let mut revision = current;
        for event in events {
            revision = revision.after(1);
            self.events.push(Recorded {
                revision,
                event: event.clone(),
            });
        }
        Ok(revision)
    }

    fn load(&mut self) -> Result<Vec<Recorded<E>>, StoreError> {
        Ok(self.events.clone())
    }
}
