//! Whole-tree answers (`get_tree`'s, `shared_tree`'s for visitors of a share link, and the tree
//! the editor's page is drawn from and carries) kept serialized per tree version. A big tree's answer is megabytes of JSON (1.9 MB for 5,000
//! nodes) whose building costs far more than the query that proves who may read it; the editor
//! reloads a tree after every conflict, several tabs or people read the same one, and anyone
//! holding a share link could otherwise make the server read a whole tree at will. Each request
//! still runs the access-and-version query (ownership, or a live token), so another user's tree
//! stays NotFound, a revoked link is NotFound at once, and an edit is visible on the very next
//! request: only the reading of the rows and their serialization is reused.
//!
//! Readers who miss together (a big tree opened in several tabs, or by the people it is shared
//! with, right after an edit) wait for the one who asked first instead of each reading it: for
//! 100,000 nodes one reader alone is answered in ~0.65 s, eight at once each reading took ~4.6 s
//! until the last was answered, and sharing one read ~1.4 s. Its answer is handed over even if
//! an edit came between and it read a later version (as good as what they would read now). If
//! that reader fails or goes away, each reads their own; a reader of another version than the
//! one being read leads a read of its own, as the first after an edit would.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use tokio::sync::watch;

use super::encoding::{self, Encoding};

use crate::error::AppError;
use crate::model::tree::KeptJson;
use crate::model::{CanvasState, TreeDetail};

/// What one serialized answer is valid for. Every write to a tree's nodes or connections
/// moves `updated_at` in its transaction (`repo::trees::touch`), edits of the tree's own fields
/// move `version` (and `updated_at`), and saving the view changes `canvas_state` only.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeVersion {
    pub tree_id: i32,
    pub version: i64,
    pub updated_at: String,
    pub canvas_state: CanvasState,
}

impl TreeVersion {
    pub fn new(
        tree_id: i32,
        version: i64,
        updated_at: time::PrimitiveDateTime,
        canvas_state: serde_json::Value,
    ) -> Self {
        TreeVersion {
            tree_id,
            version,
            updated_at: crate::server::repo::trees::rfc3339(updated_at),
            canvas_state: crate::server::repo::trees::read_canvas_state(canvas_state),
        }
    }

    pub fn of(tree: &TreeDetail) -> Self {
        TreeVersion {
            tree_id: tree.id,
            version: tree.version,
            updated_at: tree.updated_at.clone(),
            canvas_state: tree.canvas_state,
        }
    }
}

/// A kept answer's text as `Bytes`, sharing it rather than copying it (a response body, a
/// page's data block).
pub fn bytes_of(json: KeptJson) -> Bytes {
    struct Text(KeptJson);
    impl AsRef<[u8]> for Text {
        fn as_ref(&self) -> &[u8] {
            self.0.get().as_bytes()
        }
    }
    Bytes::from_owner(Text(json))
}

struct Entry {
    version: TreeVersion,
    json: KeptJson,
    copies: Arc<Copies>,
    /// The JSON and the compressed copies made so far.
    size: usize,
    filled: u64,
}

/// A kept answer compressed, each copy made when a request first takes that encoding (`None`:
/// compressing failed). Compressing a big tree's answer per request cost more than anything
/// else about it (100,000 nodes: 34.5 MB of JSON, ~40 ms at zstd 1 and ~380 ms at brotli 4 per
/// request, with 8 at once p50 0.23 s and 1.5 s), so it is paid once per tree version.
#[derive(Default)]
struct Copies {
    brotli: Copy,
    gzip: Copy,
}

#[derive(Default)]
struct Copy {
    started: AtomicBool,
    made: OnceLock<Option<Bytes>>,
}

/// brotli's quality and gzip's level for the kept copies, as the kept share pages have them.
const BROTLI_QUALITY: u32 = 5;
const GZIP_LEVEL: u32 = 6;

impl Copies {
    fn slot(&self, encoding: Encoding) -> Option<&Copy> {
        match encoding {
            Encoding::Brotli => Some(&self.brotli),
            Encoding::Gzip => Some(&self.gzip),
            Encoding::Identity => None,
        }
    }
}

/// What the first reader of a version who missed hands those who missed with it.
type Handed = watch::Receiver<Option<KeptJson>>;

#[derive(Default)]
struct Entries {
    by_tree: HashMap<i32, Entry>,
    bytes: usize,
    fills: u64,
    /// Reads under way, by tree: which read, the version it was asked for, and where its
    /// answer will be.
    reading: HashMap<i32, (u64, TreeVersion, Handed)>,
    reads: u64,
}

/// How a reader who missed gets the answer.
enum Miss {
    Kept(KeptJson),
    /// Reads the tree; those who missed the same version meanwhile wait for it.
    Lead(Reading),
    Follow(Handed),
}

/// The read a reader leads. Dropping it (answered, failed, or the request gone) wakes those
/// waiting for it.
struct Reading {
    entries: Arc<Mutex<Entries>>,
    tree_id: i32,
    read: u64,
    hand: watch::Sender<Option<KeptJson>>,
}

impl Drop for Reading {
    fn drop(&mut self) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // Unless a read of another version has taken its place.
        if entries
            .reading
            .get(&self.tree_id)
            .is_some_and(|(read, ..)| *read == self.read)
        {
            entries.reading.remove(&self.tree_id);
        }
    }
}

#[derive(Clone)]
pub struct TreeCache {
    entries: Arc<Mutex<Entries>>,
    capacity: usize,
    /// One copy made at a time: a new version is cheap to make (saving the view is one), and
    /// each copy of a big tree is a second of CPU and tens of MB of encoder memory on the
    /// blocking threads, which also hash passwords.
    compressing: Arc<tokio::sync::Semaphore>,
}

impl TreeCache {
    pub fn new(capacity_bytes: usize) -> Self {
        TreeCache {
            entries: Default::default(),
            capacity: capacity_bytes,
            compressing: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    #[cfg(test)]
    fn get(&self, version: &TreeVersion) -> Option<KeptJson> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .by_tree
            .get(&version.tree_id)
            .filter(|e| &e.version == version)
            .map(|e| e.json.clone())
    }

    /// The answer for `version` or a later one: kept, handed over by the reader of the same
    /// version who missed first (what it read, later if an edit came between), or read now by
    /// `read` (which gives the version it read) and kept. Call only once the caller may read
    /// the tree.
    pub async fn get_or_read<T, Read>(
        &self,
        version: &TreeVersion,
        read: impl FnOnce() -> Read,
    ) -> Result<KeptJson, AppError>
    where
        T: serde::Serialize + Send + 'static,
        Read: Future<Output = Result<(TreeVersion, T), AppError>>,
    {
        self.answer(version, read, false).await.map(|(json, _)| json)
    }

    /// [`get_or_read`](Self::get_or_read), with what `read` gave when this call read it (the
    /// same version as the answer): a caller that needs the value itself then does not read it
    /// back from the JSON.
    pub async fn get_or_read_keeping<T, Read>(
        &self,
        version: &TreeVersion,
        read: impl FnOnce() -> Read,
    ) -> Result<(KeptJson, Option<T>), AppError>
    where
        T: serde::Serialize + Send + 'static,
        Read: Future<Output = Result<(TreeVersion, T), AppError>>,
    {
        self.answer(version, read, true).await
    }

    async fn answer<T, Read>(
        &self,
        version: &TreeVersion,
        read: impl FnOnce() -> Read,
        keep_read: bool,
    ) -> Result<(KeptJson, Option<T>), AppError>
    where
        T: serde::Serialize + Send + 'static,
        Read: Future<Output = Result<(TreeVersion, T), AppError>>,
    {
        let lead = match self.miss(version) {
            Miss::Kept(json) => return Ok((json, None)),
            Miss::Lead(reading) => Some(reading),
            Miss::Follow(mut handed) => {
                // Err: the leader is gone without an answer for this version; read it here.
                // The request timeout outside bounds the wait.
                if handed.changed().await.is_ok() {
                    if let Some(json) = handed.borrow_and_update().clone() {
                        return Ok((json, None));
                    }
                }
                None
            }
        };
        let (read_at, answer) = read().await?;
        let tree_id = read_at.tree_id;
        // On a blocking thread: a 100,000-node tree's answer is ~21 MB of JSON, and writing it
        // here would hold one of the runtime's few workers, and every task queued behind it,
        // for as long. What is not kept for the caller is freed there too.
        let cache = self.clone();
        let (json, answer) = tokio::task::spawn_blocking(move || {
            let json = cache.fill(read_at, &answer);
            (json, keep_read.then_some(answer))
        })
        .await
        .map_err(|err| {
            tracing::error!(error = %err, tree_id, "serializing a tree answer failed");
            AppError::Internal
        })?;
        let json = json.map_err(|err| {
            tracing::error!(error = %err, tree_id, "tree answer not serializable");
            AppError::Internal
        })?;
        if let Some(lead) = lead {
            lead.hand.send_replace(Some(json.clone()));
        }
        Ok((json, answer))
    }

    /// One look under the lock at what is kept and what is being read, so a read that ends
    /// between the two is not begun again.
    fn miss(&self, version: &TreeVersion) -> Miss {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(kept) = entries.by_tree.get(&version.tree_id).filter(|e| &e.version == version) {
            return Miss::Kept(kept.json.clone());
        }
        if let Some((_, under_way, handed)) = entries.reading.get(&version.tree_id) {
            if under_way == version {
                return Miss::Follow(handed.clone());
            }
        }
        // The first reader of this version: those of another version being read keep
        // waiting for theirs.
        entries.reads += 1;
        let read = entries.reads;
        let (hand, handed) = watch::channel(None);
        entries.reading.insert(version.tree_id, (read, version.clone(), handed));
        Miss::Lead(Reading {
            entries: self.entries.clone(),
            tree_id: version.tree_id,
            read,
            hand,
        })
    }

    /// Serializes `answer`, read at `version`, and keeps it (unless it alone is over a quarter
    /// of the capacity).
    fn fill(&self, version: TreeVersion, answer: &impl serde::Serialize) -> Result<KeptJson, serde_json::Error> {
        // Not `RawValue::from_string`, which parses the JSON just written to check it (~50 ms for
        // a 100,000-node tree's answer).
        let json = KeptJson::new(serde_json::value::to_raw_value(answer)?);
        let size = json.get().len();
        if size > self.capacity / 4 {
            return Ok(json);
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // Readers of one version who read it each (the first one's read failed or went away)
        // share the first answer kept and its copies (each a second or more of CPU for a big
        // tree).
        if let Some(kept) = entries.by_tree.get(&version.tree_id).filter(|e| e.version == version) {
            return Ok(kept.json.clone());
        }
        if let Some(old) = entries.by_tree.remove(&version.tree_id) {
            entries.bytes -= old.size;
        }
        entries.make_room(size, self.capacity);
        entries.fills += 1;
        let filled = entries.fills;
        entries.bytes += size;
        entries.by_tree.insert(
            version.tree_id,
            Entry {
                version,
                json: json.clone(),
                copies: Default::default(),
                size,
                filled,
            },
        );
        Ok(json)
    }

    /// The answer `json` kept for `tree_id`, compressed as `encoding`, if that copy is made.
    /// If not, it is made now on a blocking thread (once, whoever asks meanwhile) and this
    /// request goes out compressed by the layers as any answer: the first reader after an edit
    /// is not kept waiting for a copy that takes far longer to make (100,000 nodes: ~0.9 s at
    /// brotli 5 against ~40 ms at zstd 1). None also when `json` is not the kept answer (too
    /// large to keep, or replaced since).
    pub fn kept_copy(&self, tree_id: i32, json: &KeptJson, encoding: Encoding) -> Option<Bytes> {
        let copies = {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            let entry = entries.by_tree.get(&tree_id).filter(|e| Arc::ptr_eq(&e.json, json))?;
            entry.copies.clone()
        };
        let copy = copies.slot(encoding)?;
        if let Some(made) = copy.made.get() {
            return made.clone();
        }
        if copy.started.swap(true, Ordering::AcqRel) {
            return None;
        }
        // Another copy is being made: a later read asks again.
        let Ok(permit) = self.compressing.clone().try_acquire_owned() else {
            copy.started.store(false, Ordering::Release);
            return None;
        };
        let (cache, json) = (self.clone(), json.clone());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            if !cache.holds(tree_id, &copies) {
                return; // Replaced while it waited: nobody will ask for it.
            }
            let level = if encoding == Encoding::Brotli {
                BROTLI_QUALITY
            } else {
                GZIP_LEVEL
            };
            // A panic in the encoder leaves this version without the copy, not without answers.
            let made = std::panic::catch_unwind(|| encoding::compress(json.get().as_bytes(), encoding, level))
                .unwrap_or_else(|_| Err(std::io::Error::other("the encoder panicked")))
                .inspect_err(|err| tracing::error!(error = %err, tree_id, "tree answer not compressed"))
                .ok();
            // Counted before it is handed out, so the cache's size never trails its copies.
            cache.count_copy(tree_id, &copies, made.as_ref().map_or(0, Bytes::len));
            if let Some(copy) = copies.slot(encoding) {
                let _ = copy.made.set(made);
            }
        });
        None
    }

    /// Whether `copies` are still those of the answer kept for `tree_id`.
    fn holds(&self, tree_id: i32, copies: &Arc<Copies>) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .by_tree
            .get(&tree_id)
            .is_some_and(|e| Arc::ptr_eq(&e.copies, copies))
    }

    /// Adds a copy's bytes to its answer's, if the answer is still kept.
    fn count_copy(&self, tree_id: i32, copies: &Arc<Copies>, size: usize) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = entries
            .by_tree
            .get_mut(&tree_id)
            .filter(|e| Arc::ptr_eq(&e.copies, copies))
        else {
            return;
        };
        entry.size += size;
        entries.bytes += size;
        entries.make_room(0, self.capacity);
    }
}

impl Entries {
    /// Drops the least recently filled answers until `incoming` more bytes fit.
    fn make_room(&mut self, incoming: usize, capacity: usize) {
        while self.bytes + incoming > capacity {
            let Some(oldest) = self.by_tree.iter().min_by_key(|(_, e)| e.filled).map(|(k, _)| *k) else {
                break;
            };
            if let Some(old) = self.by_tree.remove(&oldest) {
                self.bytes -= old.size;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(tree_id: i32, version: i64) -> TreeVersion {
        TreeVersion {
            tree_id,
            version,
            updated_at: "2026-12-04T00:00:00Z".into(),
            canvas_state: CanvasState::default(),
        }
    }

    fn bytes_kept(cache: &TreeCache) -> usize {
        cache.entries.lock().unwrap().bytes
    }

    /// The copy, once the blocking thread has made it.
    async fn made(cache: &TreeCache, tree_id: i32, json: &KeptJson, encoding: Encoding) -> Bytes {
        for _ in 0..500 {
            if let Some(copy) = cache.kept_copy(tree_id, json, encoding) {
                return copy;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no {encoding:?} copy made");
    }

    /// Serializes as a string, noting the thread it was serialized on.
    struct NotesThread(Arc<Mutex<Option<std::thread::ThreadId>>>);

    impl serde::Serialize for NotesThread {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            *self.0.lock().unwrap() = Some(std::thread::current().id());
            s.serialize_str("tree")
        }
    }

    /// The runtime here is this one thread, as a server's few workers would be: a big answer
    /// serialized on it would hold up every other request for as long.
    #[tokio::test]
    async fn an_answer_is_serialized_off_the_runtime_threads() {
        let cache = TreeCache::new(1 << 20);
        let noted = Arc::new(Mutex::new(None));
        let answer = NotesThread(noted.clone());
        let json = cache
            .get_or_read(&version(1, 1), || async { Ok((version(1, 1), answer)) })
            .await
            .unwrap();
        assert_eq!(json.get(), "\"tree\"");
        let on = noted.lock().unwrap().expect("serialized");
        assert_ne!(on, std::thread::current().id(), "serialized on the runtime's thread");
    }

    #[tokio::test]
    async fn only_the_reader_who_read_gets_what_it_read() {
        let cache = TreeCache::new(1 << 20);
        let read = || async { Ok((version(1, 1), vec!["Grow retention".to_string()])) };
        let (json, mine) = cache.get_or_read_keeping(&version(1, 1), read).await.unwrap();
        assert_eq!(json.get(), r#"["Grow retention"]"#);
        assert_eq!(mine, Some(vec!["Grow retention".to_string()]));
        let (again, mine) = cache
            .get_or_read_keeping(&version(1, 1), || async {
                Err::<(TreeVersion, Vec<String>), _>(AppError::Internal)
            })
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&json, &again), "kept");
        assert_eq!(mine, None);
    }

    #[tokio::test]
    async fn a_copy_is_made_once_per_version_and_counted() {
        let cache = TreeCache::new(1 << 20);
        let answer = serde_json::json!({ "nodes": vec!["Grow retention in the mid-market"; 200] });
        let json = cache.fill(version(1, 1), &answer).unwrap();
        let plain = json.get().len();
        assert_eq!(bytes_kept(&cache), plain);

        assert_eq!(
            cache.kept_copy(1, &json, Encoding::Brotli),
            None,
            "not made yet: made now"
        );
        let br = made(&cache, 1, &json, Encoding::Brotli).await;
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, json.get().as_bytes());
        let again = cache.kept_copy(1, &json, Encoding::Brotli).unwrap();
        assert_eq!(again.as_ptr(), br.as_ptr(), "the kept copy, not a new one");
        let gzip = made(&cache, 1, &json, Encoding::Gzip).await;
        assert_eq!(bytes_kept(&cache), plain + br.len() + gzip.len());
        assert_eq!(cache.kept_copy(1, &json, Encoding::Identity), None);

        // Another reader of the same version, who missed too, gets the kept answer.
        let twin = cache.fill(version(1, 1), &answer).unwrap();
        assert!(Arc::ptr_eq(&twin, &json));
        assert_eq!(
            cache.kept_copy(1, &twin, Encoding::Brotli).unwrap().as_ptr(),
            br.as_ptr()
        );

        // A new version replaces the answer and its copies; the old answer has none.
        let newer = cache.fill(version(1, 2), &answer).unwrap();
        assert_eq!(cache.kept_copy(1, &json, Encoding::Brotli), None);
        assert_eq!(bytes_kept(&cache), newer.get().len());
        assert_eq!(cache.kept_copy(2, &newer, Encoding::Brotli), None, "another tree's");
    }

    #[tokio::test]
    async fn copies_count_towards_the_capacity() {
        let answer = serde_json::json!({ "nodes": (0..2_000).map(|i| format!("node {i}")).collect::<Vec<_>>() });
        let size = serde_json::to_string(&answer).unwrap().len();
        // Room for four answers (an answer may take a quarter) and little more.
        let capacity = size * 4 + size / 20;
        let cache = TreeCache::new(capacity);
        for tree in 1..=4 {
            cache.fill(version(tree, 1), &answer).unwrap();
        }
        assert!(cache.get(&version(1, 1)).is_some());
        let last = cache.get(&version(4, 1)).unwrap();
        made(&cache, 4, &last, Encoding::Gzip).await;
        made(&cache, 4, &last, Encoding::Brotli).await;
        // The copies pushed the total past the capacity: the oldest answer went.
        assert!(cache.get(&version(1, 1)).is_none());
        assert!(cache.get(&version(2, 1)).is_some() && cache.get(&version(4, 1)).is_some());
        assert!(bytes_kept(&cache) <= capacity);
    }

    #[tokio::test]
    async fn one_copy_is_made_at_a_time_and_a_refused_one_is_made_later() {
        let cache = TreeCache::new(1 << 20);
        let json = cache
            .fill(version(1, 1), &serde_json::json!({ "nodes": vec!["a"; 100] }))
            .unwrap();
        let busy = cache.compressing.clone().try_acquire_owned().unwrap();
        assert_eq!(cache.kept_copy(1, &json, Encoding::Brotli), None);
        let copies = cache.entries.lock().unwrap().by_tree[&1].copies.clone();
        assert!(!copies.brotli.started.load(Ordering::Acquire), "left for a later read");
        drop(busy);
        made(&cache, 1, &json, Encoding::Brotli).await;
    }

    /// Readers of `version` whose reads count in `reads` and wait for `release`. The test
    /// runtime has one thread: each reader runs until it waits before the next is spawned, so
    /// the first leads and the rest follow.
    async fn readers(
        cache: &TreeCache,
        version: TreeVersion,
        reads: &Arc<std::sync::atomic::AtomicUsize>,
        answer: serde_json::Value,
        release: &Arc<tokio::sync::Notify>,
        how_many: usize,
    ) -> Vec<tokio::task::JoinHandle<Result<KeptJson, AppError>>> {
        let mut tasks = Vec::new();
        for _ in 0..how_many {
            let (cache, version, reads, answer, release) = (
                cache.clone(),
                version.clone(),
                reads.clone(),
                answer.clone(),
                release.clone(),
            );
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_read(&version.clone(), || async move {
                        reads.fetch_add(1, Ordering::SeqCst);
                        release.notified().await;
                        Ok((version, answer))
                    })
                    .await
            }));
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1, "the first reads, the others wait");
        tasks
    }

    #[tokio::test]
    async fn readers_who_miss_together_share_one_read() {
        let cache = TreeCache::new(1 << 20);
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let release = Arc::new(tokio::sync::Notify::new());
        let answer = serde_json::json!({ "nodes": vec!["Reduce churn"; 50] });
        let tasks = readers(&cache, version(1, 1), &reads, answer.clone(), &release, 8).await;
        release.notify_one();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap().unwrap());
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1, "one read for eight readers");
        assert!(answers.iter().all(|a| Arc::ptr_eq(a, &answers[0])));
        assert_eq!(answers[0].get(), serde_json::to_string(&answer).unwrap());
        assert!(cache.entries.lock().unwrap().reading.is_empty());

        // Kept: the next reader reads nothing.
        let again = cache
            .get_or_read(&version(1, 1), || async {
                Err::<(TreeVersion, ()), _>(AppError::Internal)
            })
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&again, &answers[0]));
    }

    #[tokio::test]
    async fn an_answer_too_large_to_keep_is_still_handed_over() {
        let answer = serde_json::json!({ "nodes": vec!["Reduce churn"; 50] });
        // Over a quarter of the capacity: not kept.
        let cache = TreeCache::new(serde_json::to_string(&answer).unwrap().len() * 2);
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let release = Arc::new(tokio::sync::Notify::new());
        let tasks = readers(&cache, version(1, 1), &reads, answer, &release, 4).await;
        release.notify_one();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert!(cache.get(&version(1, 1)).is_none());
    }

    #[tokio::test]
    async fn when_the_first_reader_goes_away_the_others_read_their_own() {
        let cache = TreeCache::new(1 << 20);
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let release = Arc::new(tokio::sync::Notify::new());
        let answer = serde_json::json!({ "nodes": ["Reduce churn"] });
        let mut tasks = readers(&cache, version(1, 1), &reads, answer, &release, 3).await;
        // The leader's request is dropped mid-read (the visitor closed the tab).
        let leader = tasks.remove(0);
        leader.abort();
        assert!(leader.await.unwrap_err().is_cancelled());
        // Each follower reads (and waits in its own read until released).
        for _ in 0..500 {
            if reads.load(Ordering::SeqCst) == 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        release.notify_waiters();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert!(cache.get(&version(1, 1)).is_some());
    }

    #[tokio::test]
    async fn a_failed_read_is_over_and_another_version_leads_its_own() {
        let cache = TreeCache::new(1 << 20);
        let Miss::Lead(reading) = cache.miss(&version(1, 1)) else {
            panic!("the first reader leads")
        };
        assert!(matches!(cache.miss(&version(1, 1)), Miss::Follow(_)));
        // A reader of the next version leads its own read; the first one's ending does not
        // end it.
        let Miss::Lead(next) = cache.miss(&version(1, 2)) else {
            panic!("another version leads its own read")
        };
        assert!(matches!(cache.miss(&version(1, 2)), Miss::Follow(_)));
        drop(reading);
        assert!(matches!(cache.miss(&version(1, 2)), Miss::Follow(_)));
        drop(next);
        assert!(matches!(cache.miss(&version(1, 2)), Miss::Lead(_)));

        let failed = cache
            .get_or_read(&version(2, 1), || async {
                Err::<(TreeVersion, ()), _>(AppError::NotFound)
            })
            .await;
        assert_eq!(failed.unwrap_err(), AppError::NotFound);
        assert!(
            cache.entries.lock().unwrap().reading.is_empty(),
            "a failed read is over"
        );
    }

    #[tokio::test]
    async fn an_answer_read_after_an_edit_is_handed_over() {
        let cache = TreeCache::new(1 << 20);
        let release = Arc::new(tokio::sync::Notify::new());
        let leader = {
            let (cache, release) = (cache.clone(), release.clone());
            tokio::spawn(async move {
                cache
                    .get_or_read(&version(1, 1), || async move {
                        release.notified().await;
                        // An edit came between this reader's version query and its read.
                        Ok((version(1, 2), serde_json::json!({ "nodes": ["Edited"] })))
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        let follower = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or_read(&version(1, 1), || async {
                        Err::<(TreeVersion, ()), _>(AppError::Internal)
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        release.notify_one();
        let led = leader.await.unwrap().unwrap();
        let followed = follower.await.unwrap().expect("handed over, not read");
        assert!(Arc::ptr_eq(&led, &followed));
        assert!(cache.get(&version(1, 2)).is_some());
    }
}
