// Long work off the UI thread: a task runs a function on its own thread,
// reports progress through atomics and hands its result over under one
// lock, which the UI takes once a frame (poll).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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

template <class T>
class Task {
public:
    Task() = default;
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() { stop(); }

    /// Starts `work` on a new thread (after stopping one still running).
    /// `work` returns the result or throws; the message of what it throws
    /// becomes error().
    void start(std::string what, std::function<T(Progress&)> work) {
        stop();
        m_what = std::move(what);
        m_progress.done = 0;
        m_progress.total = 0;
        m_progress.cancel = false;
        m_running = true;
        m_thread = std::jthread([this, work = std::move(work)] {
            lower_thread_priority();
            std::optional<T> result;
            std::string error;
            try {
                result.emplace(work(m_progress));
            } catch (const std::exception& e) {
                error = describe(e);
            }
            std::lock_guard lock(m_mutex);
            m_result = std::move(result);
            m_error = std::move(error);
            m_finished = true;
            m_running = false;
        });
    }
    /// Asks the work to stop and waits for it.
    void stop() {
        m_progress.cancel = true;
        if (m_thread.joinable()) m_thread.join();
        m_running = false;
    }
    void cancel() { m_progress.cancel = true; }

    [[nodiscard]] bool running() const { return m_running.load(); }
    [[nodiscard]] const std::string& what() const { return m_what; }
    [[nodiscard]] float fraction() const {
        const int t = m_progress.total.load();
        return t > 0 ? static_cast<float>(m_progress.done.load()) / static_cast<float>(t) : 0.0f;
    }
    [[nodiscard]] bool cancelling() const { return m_progress.cancel.load(); }

    /// Once the work has finished: its result (or nullopt, with `error`
    /// set if it failed). Returns true once per finished work.
    bool poll(std::optional<T>& result, std::string& error) {
        std::lock_guard lock(m_mutex);
        if (!m_finished) return false;
        m_finished = false;
        result = std::move(m_result);
        error = std::move(m_error);
        m_result.reset();
        return true;
    }

private:
    std::string m_what;
    Progress m_progress;
    std::atomic<bool> m_running{false};
    std::mutex m_mutex;
    bool m_finished = false;
    std::optional<T> m_result;
    std::string m_error;
    std::jthread m_thread;
};

}  // namespace tisheng::viewer
