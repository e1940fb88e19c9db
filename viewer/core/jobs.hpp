// Long work off the UI thread: a task runs a function on its own thread,
// reports progress through atomics and hands its result over under one
// lock, which the UI takes once a frame (poll).
//
// Each start makes a new job with its own state (progress, cancel flag,
// result). Starting again supersedes the job still running: it is asked to
// stop, its result is dropped, and its thread is joined once it has ended
// (never waited for on the UI thread), so starting never blocks.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tisheng::viewer {

/// What a failed task reports: every problem of an invalid input, one a
/// line, as `tisheng validate` prints them (model.cpp).
std::string describe(const std::exception& e);

/// Lowers the calling thread's scheduling priority (and that of the threads
/// it starts), so that the UI thread wins the cores when work runs beside it.
void lower_thread_priority();

struct Progress {
    std::atomic<int> done{0}, total{0};
    std::atomic<bool> cancel{false};
};

/// The error a job reports when it was cancelled (whatever it returned or threw).
inline constexpr const char* cancelled_error = "cancelled";

/// Called from a job's thread as it ends, if set: the UI sets it to wake an
/// event loop that waits (glfwPostEmptyEvent), so that a result is polled at once.
inline std::atomic<void (*)()> job_ended_hook{nullptr};

template <class T>
class Task {
public:
    Task() = default;
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    /// Asks every job to stop, then waits for their threads.
    ~Task() {
        if (m_job) m_job->progress.cancel = true;
        m_threads.clear();  // jthread joins
    }

    /// Starts `work` on a new thread; a job still running is superseded
    /// (cancelled, its result never delivered). Returns at once. `work`
    /// returns the result or throws; the message of what it throws becomes
    /// the error.
    void start(std::string what, std::function<T(Progress&)> work) {
        reap();
        if (m_job) m_job->progress.cancel = true;
        m_what = std::move(what);
        std::shared_ptr<Job> old = std::exchange(m_job, std::make_shared<Job>());
        auto exited = std::make_shared<std::atomic<bool>>(false);
        m_threads.push_back({std::jthread([old = std::move(old), job = m_job, work = std::move(work), exited]() mutable {
                                 old.reset();  // a superseded result not polled is freed here
                                 execute(std::move(job), std::move(work));
                                 exited->store(true);  // after the work's captures and a dropped result are freed
                             }),
                             exited});
    }
    /// Asks the current job to stop; poll() then reports cancelled_error
    /// once it has.
    void cancel() {
        if (m_job) m_job->progress.cancel = true;
    }

    /// The current job has not finished yet.
    [[nodiscard]] bool running() const { return m_job && !m_job->finished.load(); }
    [[nodiscard]] const std::string& what() const { return m_what; }
    [[nodiscard]] float fraction() const {
        if (!m_job) return 0.0f;
        const int t = m_job->progress.total.load();
        return t > 0 ? static_cast<float>(m_job->progress.done.load()) / static_cast<float>(t) : 0.0f;
    }
    [[nodiscard]] bool cancelling() const { return running() && m_job->progress.cancel.load(); }

    /// Once the current job has finished: its result (or nullopt, with
    /// `error` set if it failed or was cancelled). True once per job.
    bool poll(std::optional<T>& result, std::string& error) {
        reap();
        if (!m_job || !m_job->finished.load()) return false;
        {
            std::lock_guard lock(m_job->mutex);
            result = std::move(m_job->result);
            error = std::move(m_job->error);
        }
        m_job.reset();
        return true;
    }

private:
    struct Job {
        Progress progress;
        std::atomic<bool> finished{false};
        std::mutex mutex;
        std::optional<T> result;
        std::string error;
    };
    struct Thread {
        std::jthread thread;
        std::shared_ptr<const std::atomic<bool>> exited;
    };

    static void execute(std::shared_ptr<Job> job, std::function<T(Progress&)> work) {
        lower_thread_priority();
        std::optional<T> result;
        std::string error;
        try {
            result.emplace(work(job->progress));
        } catch (const std::exception& e) {
            error = describe(e);
        } catch (...) {
            error = "unknown error";
        }
        work = nullptr;  // its captures are released here, not on the UI thread
        if (job->progress.cancel.load()) {
            result.reset();
            error = cancelled_error;
        }
        {
            std::lock_guard lock(job->mutex);
            job->result = std::move(result);
            job->error = std::move(error);
        }
        job->finished.store(true);
        if (auto* hook = job_ended_hook.load()) hook();
    }
    /// Joins the threads that have ended (at once: their work is done).
    void reap() {
        std::erase_if(m_threads, [](Thread& t) { return t.exited->load(); });
    }

    std::string m_what;
    std::shared_ptr<Job> m_job;  ///< the current job; null once polled
    std::vector<Thread> m_threads;
};

}  // namespace tisheng::viewer
