#pragma once
// Cooperative cancellation on one Ring: a StopSource is owned by whoever decides that some
// work must end (a deadline, a session ending a phase); the work holds StopTokens and
// registers StopCallbacks, which run once, on the Ring's thread, when stop is requested.
// An awaitable that observes a token cancels its own SQE on stop (operations.hpp), so "every
// started operation is cancelled and awaited" follows from the types, not from convention.
//
// Single-threaded like the Ring (no atomics, no allocation): a StopSource must outlive every
// token and callback made from it, which holds when the source lives in the frame of the
// coroutine that awaits the work it stops.

#include <cassert>
#include <utility>

namespace bro::ring {

class StopSource;

// Runs on_stop() when its token's source is stopped; registered for its own lifetime.
class StopCallback {
  public:
    StopCallback() = default;
    StopCallback(const StopCallback&) = delete;
    StopCallback& operator=(const StopCallback&) = delete;

    virtual void on_stop() = 0;

  protected:
    ~StopCallback();

  private:
    friend class StopSource;
    friend class StopToken;
    StopSource* source_ = nullptr;
    StopCallback* next_ = nullptr;
    StopCallback* previous_ = nullptr;
};

class StopToken {
  public:
    // A token that is never stopped.
    StopToken() = default;

    bool stop_requested() const;
    bool stop_possible() const { return source_ != nullptr; }

    // Registers `callback` until it is destroyed or unregistered. Returns false (and registers
    // nothing) when stop was already requested: the caller acts at once instead.
    bool register_callback(StopCallback& callback) const;
    static void unregister(StopCallback& callback);

  private:
    friend class StopSource;
    explicit StopToken(StopSource* source) : source_(source) {}
    StopSource* source_ = nullptr;
};

class StopSource {
  public:
    StopSource() = default;
    StopSource(const StopSource&) = delete;
    StopSource& operator=(const StopSource&) = delete;
    ~StopSource() { assert(callbacks_ == nullptr && "a StopCallback outlived its StopSource"); }

    StopToken token() { return StopToken(this); }
    bool stop_requested() const { return requested_; }
    // Runs every registered callback once (in registration order); later calls do nothing.
    void request_stop();

  private:
    friend class StopToken;
    friend class StopCallback;
    void add(StopCallback& callback);
    void remove(StopCallback& callback);

    bool requested_ = false;
    StopCallback* callbacks_ = nullptr;  // oldest first
    StopCallback* newest_ = nullptr;
};

inline bool StopToken::stop_requested() const {
    return source_ != nullptr && source_->requested_;
}

inline bool StopToken::register_callback(StopCallback& callback) const {
    if (source_ == nullptr) return true;
    if (source_->requested_) return false;
    source_->add(callback);
    return true;
}

inline void StopToken::unregister(StopCallback& callback) {
    if (callback.source_ != nullptr) callback.source_->remove(callback);
}

inline StopCallback::~StopCallback() {
    StopToken::unregister(*this);
}

inline void StopSource::add(StopCallback& callback) {
    assert(callback.source_ == nullptr && "a StopCallback is registered once at a time");
    callback.source_ = this;
    callback.previous_ = newest_;
    callback.next_ = nullptr;
    (newest_ != nullptr ? newest_->next_ : callbacks_) = &callback;
    newest_ = &callback;
}

inline void StopSource::remove(StopCallback& callback) {
    (callback.previous_ != nullptr ? callback.previous_->next_ : callbacks_) = callback.next_;
    (callback.next_ != nullptr ? callback.next_->previous_ : newest_) = callback.previous_;
    callback.source_ = nullptr;
    callback.next_ = callback.previous_ = nullptr;
}

inline void StopSource::request_stop() {
    if (requested_) return;
    requested_ = true;
    // Each callback is unregistered before it runs, so it may destroy itself or others.
    while (callbacks_ != nullptr) {
        StopCallback& first = *callbacks_;
        remove(first);
        first.on_stop();
    }
}

}  // namespace bro::ring
