// Open MPI for `mpirun -np K tisheng sweep ...`: rank 0 keeps the store, the
// other ranks send it their variants' results as arrays of doubles. `run`
// gathers the ranks' replications on rank 0; `calibrate` shares each step's
// replications with every rank.
#include <mpi.h>

#include <cstdlib>
#include <limits>

#include "tisheng/core/error.hpp"
#include "tisheng/simulate/simulate.hpp"

#include "commands.hpp"

namespace tisheng::cli {

namespace {

constexpr int result_tag = 7;

class MpiTransport final : public SweepTransport, public RankGroup {
public:
    MpiTransport(int& argc, char**& argv) {
        int provided = 0;
        MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // only the main thread calls MPI
        MPI_Comm_rank(MPI_COMM_WORLD, &m_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &m_size);
        MPI_Comm node;  // the ranks sharing this machine share its cores
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
        MPI_Comm_size(node, &m_local);
        MPI_Comm_free(&node);
    }
    [[nodiscard]] int local_size() const { return m_local; }
    ~MpiTransport() override { MPI_Finalize(); }

    [[nodiscard]] int rank() const override { return m_rank; }
    [[nodiscard]] int size() const override { return m_size; }

    std::vector<std::vector<std::uint8_t>> gather(std::vector<std::uint8_t> mine) override {
        if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            throw Error("a rank's share of the run is over 2 GB: run on more ranks");
        int n = static_cast<int>(mine.size());
        std::vector<int> sizes(m_rank == 0 ? static_cast<std::size_t>(m_size) : 0), at;
        MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
        std::vector<std::uint8_t> all;
        if (m_rank == 0) {
            long long total = 0;
            for (int k : sizes) {
                at.push_back(static_cast<int>(total));
                total += k;
            }
            if (total > std::numeric_limits<int>::max()) throw Error("the ranks' shares of the run are over 2 GB together: run on fewer ranks");
            all.resize(static_cast<std::size_t>(total));
        }
        MPI_Gatherv(mine.data(), n, MPI_UNSIGNED_CHAR, all.data(), sizes.data(), at.data(), MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
        std::vector<std::vector<std::uint8_t>> out;
        for (std::size_t r = 0; r < sizes.size(); ++r)
            out.emplace_back(all.begin() + at[r], all.begin() + at[r] + sizes[r]);
        return out;
    }

    std::vector<std::vector<std::uint8_t>> all_gather(std::vector<std::uint8_t> mine) override {
        if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) throw Error("a rank's share is over 2 GB: run on more ranks");
        int n = static_cast<int>(mine.size());
        std::vector<int> sizes(static_cast<std::size_t>(m_size)), at;
        MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
        long long total = 0;
        for (int k : sizes) {
            at.push_back(static_cast<int>(total));
            total += k;
        }
        if (total > std::numeric_limits<int>::max()) throw Error("the ranks' shares are over 2 GB together: run on fewer ranks");
        std::vector<std::uint8_t> all(static_cast<std::size_t>(total));
        MPI_Allgatherv(mine.data(), n, MPI_UNSIGNED_CHAR, all.data(), sizes.data(), at.data(), MPI_UNSIGNED_CHAR, MPI_COMM_WORLD);
        std::vector<std::vector<std::uint8_t>> out;
        for (std::size_t r = 0; r < sizes.size(); ++r) out.emplace_back(all.begin() + at[r], all.begin() + at[r] + sizes[r]);
        return out;
    }
    bool all_ok(bool ok) {
        int mine = ok ? 1 : 0, every = 0;
        MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        return every == 1;
    }

    std::optional<std::vector<std::uint8_t>> share_done(std::optional<std::vector<std::uint8_t>> done) override {
        int ok = done ? 1 : 0;
        long long n = done ? static_cast<long long>(done->size()) : 0;
        MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (!ok) return std::nullopt;
        MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
        std::vector<std::uint8_t> v = done ? std::move(*done) : std::vector<std::uint8_t>(static_cast<std::size_t>(n));
        MPI_Bcast(v.data(), static_cast<int>(n), MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
        return v;
    }

    void send(const VariantResult& r) override {
        // [variant, row size, row..., units...]: doubles carry every value bit for bit.
        std::vector<double> buf{static_cast<double>(r.variant), static_cast<double>(r.row.size())};
        buf.insert(buf.end(), r.row.begin(), r.row.end());
        buf.insert(buf.end(), r.units.begin(), r.units.end());
        MPI_Send(buf.data(), static_cast<int>(buf.size()), MPI_DOUBLE, 0, result_tag, MPI_COMM_WORLD);
    }

    std::optional<VariantResult> receive() override {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, result_tag, MPI_COMM_WORLD, &flag, &st);
        if (!flag) return std::nullopt;
        int count = 0;
        MPI_Get_count(&st, MPI_DOUBLE, &count);
        std::vector<double> buf(static_cast<std::size_t>(count));
        MPI_Recv(buf.data(), count, MPI_DOUBLE, st.MPI_SOURCE, result_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        VariantResult r;
        r.variant = static_cast<std::uint64_t>(buf[0]);
        const auto rows = static_cast<std::size_t>(buf[1]);
        r.row.assign(buf.begin() + 2, buf.begin() + 2 + static_cast<std::ptrdiff_t>(rows));
        r.units.assign(buf.begin() + 2 + static_cast<std::ptrdiff_t>(rows), buf.end());
        return r;
    }

private:
    int m_rank = 0, m_size = 1, m_local = 1;
};

bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
        if (std::getenv(v)) return true;
    return false;
}

MpiTransport* g_mpi = nullptr;

}  // namespace

std::unique_ptr<SweepTransport> start_mpi(int& argc, char**& argv) {
    if (!launched_by_mpi()) return nullptr;
    auto t = std::make_unique<MpiTransport>(argc, argv);
    g_mpi = t.get();
    return t;
}

void abort_mpi(int code) {
    if (g_mpi && g_mpi->size() > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

int mpi_rank() { return g_mpi ? g_mpi->rank() : 0; }

int mpi_local_size() { return g_mpi ? g_mpi->local_size() : 1; }

RankGroup* mpi_ranks() { return g_mpi && g_mpi->size() > 1 ? g_mpi : nullptr; }

bool mpi_all_ok(bool ok) { return g_mpi ? g_mpi->all_ok(ok) : ok; }

}  // namespace tisheng::cli
