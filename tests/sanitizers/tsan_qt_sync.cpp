// Preloaded into the unit tests of the ThreadSanitizer stage (scripts/sanitizers.sh), never
// shipped. Debian's Qt is not built with -fsanitize=thread, so ThreadSanitizer does not see the
// synchronisation done inside libQt6Core:
// - QReadWriteLock is implemented entirely in libQt6Core (atomics and futexes): without this,
//   every access guarded by one (ShardedCache's shards) is reported as a data race.
// - QWaitCondition::wait(QMutex *) unlocks and relocks the mutex inside libQt6Core, while Qt's
//   inline QMutex code in our binaries tells ThreadSanitizer about each lock and unlock
//   (qtsan_impl.h): ThreadSanitizer then believes the waiting thread still holds the mutex, and
//   reports "double lock of a mutex" and races on what the mutex protects.
// Each wrapper calls the real Qt function (dlsym RTLD_NEXT) and tells ThreadSanitizer what it
// did, with the sanitizer's own annotation interface. Nothing is hidden: reports still come out,
// but with the happens-before edges the real locks create.
#include <QtCore/QDeadlineTimer>
#include <QtCore/QMutex>
#include <QtCore/QReadWriteLock>
#include <QtCore/QWaitCondition>

#include <sanitizer/tsan_interface.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace {

template<typename Fn>
Fn real(const char *symbol)
{
    void *address = dlsym(RTLD_NEXT, symbol);
    if (!address) {
        std::fprintf(stderr, "tsan_qt_sync: %s not found\n", symbol);
        std::abort();
    }
    return reinterpret_cast<Fn>(address);
}

// The mutex is released for the duration of the wait, then held again.
template<typename Fn, typename... Args>
bool waitAnnotated(Fn fn, QWaitCondition *condition, QMutex *mutex, Args... args)
{
    __tsan_mutex_pre_unlock(mutex, 0);
    __tsan_mutex_post_unlock(mutex, 0);
    const bool result = fn(condition, mutex, args...);
    __tsan_mutex_pre_lock(mutex, 0);
    __tsan_mutex_post_lock(mutex, 0, 0);
    return result;
}

} // namespace

bool QWaitCondition::wait(QMutex *mutex, QDeadlineTimer deadline)
{
    using Fn = bool (*)(QWaitCondition *, QMutex *, QDeadlineTimer);
    static const Fn fn = real<Fn>("_ZN14QWaitCondition4waitEP6QMutex14QDeadlineTimer");
    return waitAnnotated(fn, this, mutex, deadline);
}

bool QWaitCondition::wait(QMutex *mutex, unsigned long time)
{
    using Fn = bool (*)(QWaitCondition *, QMutex *, unsigned long);
    static const Fn fn = real<Fn>("_ZN14QWaitCondition4waitEP6QMutexm");
    return waitAnnotated(fn, this, mutex, time);
}

// QReadWriteLock: every unlock happens before every later lock of the same lock (a release and
// an acquire on its address), which is what the lock guarantees for writers.
void QReadWriteLock::lockForRead()
{
    using Fn = void (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock11lockForReadEv");
    fn(this);
    __tsan_acquire(this);
}

void QReadWriteLock::lockForWrite()
{
    using Fn = void (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock12lockForWriteEv");
    fn(this);
    __tsan_acquire(this);
}

bool QReadWriteLock::tryLockForRead()
{
    using Fn = bool (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock14tryLockForReadEv");
    const bool locked = fn(this);
    if (locked)
        __tsan_acquire(this);
    return locked;
}

bool QReadWriteLock::tryLockForRead(int timeout)
{
    using Fn = bool (*)(QReadWriteLock *, int);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock14tryLockForReadEi");
    const bool locked = fn(this, timeout);
    if (locked)
        __tsan_acquire(this);
    return locked;
}

bool QReadWriteLock::tryLockForWrite()
{
    using Fn = bool (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock15tryLockForWriteEv");
    const bool locked = fn(this);
    if (locked)
        __tsan_acquire(this);
    return locked;
}

bool QReadWriteLock::tryLockForWrite(int timeout)
{
    using Fn = bool (*)(QReadWriteLock *, int);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock15tryLockForWriteEi");
    const bool locked = fn(this, timeout);
    if (locked)
        __tsan_acquire(this);
    return locked;
}

void QReadWriteLock::unlock()
{
    using Fn = void (*)(QReadWriteLock *);
    static const Fn fn = real<Fn>("_ZN14QReadWriteLock6unlockEv");
    __tsan_release(this);
    fn(this);
}
