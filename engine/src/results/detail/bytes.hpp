// Bytes in and out of a run folder's stores (results.bin, data.bin):
// little-endian numbers, a string as a u64 length and its bytes, a vector as
// a u64 count and its elements packed (docs/store.md). Reading checks every
// count against the bytes left, so a damaged file is an InputError naming
// it and the byte, never a read past the end.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tisheng/core/error.hpp"
#include "tisheng/model/calendar.hpp"
#include "tisheng/simulate/results.hpp"

namespace tisheng::detail {

static_assert(std::endian::native == std::endian::little, "the stores are little-endian; a big-endian build needs byte swaps");

class Out {
public:
    template <class T>
    void num(T v) {
        static_assert(std::is_arithmetic_v<T>);
        m_b.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    template <class T>
    void vec(const std::vector<T>& v) {
        static_assert(std::is_arithmetic_v<T>);
        num<std::uint64_t>(v.size());
        m_b.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    }
    void str(const std::string& s) {
        num<std::uint64_t>(s.size());
        m_b += s;
    }
    void strs(const std::vector<std::string>& v) {
        num<std::uint64_t>(v.size());
        for (const auto& s : v) str(s);
    }
    void q(const Quantiles& x) {
        num(x.p05);
        num(x.p50);
        num(x.p95);
    }
    void dates(const std::vector<Date>& v) {
        num<std::uint64_t>(v.size());
        for (const Date& d : v) num(d.days());
    }
    std::string take() { return std::move(m_b); }

private:
    std::string m_b;
};

class In {
public:
    In(std::string_view b, std::string shown) : m_b(b), m_shown(std::move(shown)) {}
    template <class T>
    T num() {
        static_assert(std::is_arithmetic_v<T>);
        T v;
        need(sizeof v);
        std::memcpy(&v, m_b.data() + m_at, sizeof v);
        m_at += sizeof v;
        return v;
    }
    std::size_t count(std::size_t each) {
        const auto n = num<std::uint64_t>();
        if (each > 0 && n > (m_b.size() - m_at) / each) fail("a count of " + std::to_string(n) + " that the file cannot hold");
        return static_cast<std::size_t>(n);
    }
    template <class T>
    std::vector<T> vec() {
        std::vector<T> v(count(sizeof(T)));
        need(v.size() * sizeof(T));
        if (!v.empty()) std::memcpy(v.data(), m_b.data() + m_at, v.size() * sizeof(T));  // data() may be null when empty
        m_at += v.size() * sizeof(T);
        return v;
    }
    std::string str() {
        const std::size_t n = count(1);
        std::string s(m_b.substr(m_at, n));
        m_at += n;
        return s;
    }
    std::vector<std::string> strs() {
        std::vector<std::string> v(count(8));
        for (auto& s : v) s = str();
        return v;
    }
    Quantiles q() {
        Quantiles x;
        x.p05 = num<double>();
        x.p50 = num<double>();
        x.p95 = num<double>();
        return x;
    }
    std::vector<Date> dates() {
        std::vector<Date> v(count(4));
        for (auto& d : v) d = Date::from_days(num<std::int32_t>());
        return v;
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw InputError({m_shown}, "damaged at byte " + std::to_string(m_at) + ": " + what + "; run the scenario again to remake it");
    }
    [[nodiscard]] bool done() const { return m_at == m_b.size(); }

private:
    void need(std::size_t n) const {
        if (n > m_b.size() - m_at) fail("it ends early (truncated)");
    }
    std::string_view m_b;
    std::string m_shown;
    std::size_t m_at = 0;
};

}  // namespace tisheng::detail
