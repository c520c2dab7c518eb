// hnswlib behind a C API: see neighbours-hnsw.h.  The only C++ in librali;
// no exception leaves this file.
#include "neighbours-hnsw.h"

/* Without hnswlib's hand-written SSE paths: searchBaseLayer's prefetch reads the
 * link list one element past its end (*(datal + j + 1) at the last j), which
 * AddressSanitizer reports as a heap-buffer-overflow in test-neighbours (Debian's
 * hnswlib 0.6.2 headers).  The plain loops give the same graph and results. */
#define NO_MANUAL_VECTORIZATION 1
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

struct _RaliHnsw {
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> graph;
  int D;

  _RaliHnsw (int D_, int N, int M, int ef_construction, guint32 seed)
    : space ((size_t) D_), graph (&space, (size_t) N, (size_t) M, (size_t) ef_construction, (size_t) seed), D (D_)
  {
  }
};

namespace {

constexpr int POLL_EVERY = 256; // points added between two keep_going polls

char *
dup_message (const char *what)
{
  return g_strdup (what ? what : "unknown error");
}

} // namespace

RaliHnswStatus
rali_hnsw_build (RaliHnsw **out, const float *X, int N, int D, int M, int ef_construction, int ef_search,
                 guint32 seed, int n_threads, RaliHnswContinue keep_going, gpointer data, char **message)
{
  *out = nullptr;
  if (message)
    *message = nullptr;
  RaliHnsw *h = nullptr;
  try
    {
      h = new RaliHnsw (D, std::max (N, 1), M, ef_construction, seed);
      h->graph.setEf ((size_t) std::max (ef_search, 1));
      if (N > 0)
        h->graph.addPoint (X, 0); // the entry point, alone (as hnswlib's Python bindings do)
      std::atomic<int> next (1);
      std::atomic<bool> stop (false);
      std::atomic<int> failed (0); // 1 bad_alloc, 2 other
      std::string what;
      std::mutex what_lock;
      auto work = [&] () {
        for (;;)
          {
            int i0 = next.fetch_add (POLL_EVERY);
            if (i0 >= N || stop.load ())
              return;
            if (keep_going && !keep_going (data))
              {
                stop.store (true);
                return;
              }
            int i1 = std::min (N, i0 + POLL_EVERY);
            try
              {
                for (int i = i0; i < i1; i++)
                  h->graph.addPoint (X + (gsize) i * D, (hnswlib::labeltype) i);
              }
            catch (const std::bad_alloc &)
              {
                failed.store (1);
                stop.store (true);
                return;
              }
            catch (const std::exception &e)
              {
                std::lock_guard<std::mutex> guard (what_lock);
                what = e.what ();
                failed.store (2);
                stop.store (true);
                return;
              }
          }
      };
      int T = std::max (1, std::min (n_threads, N / POLL_EVERY + 1));
      std::vector<std::thread> threads;
      for (int t = 1; t < T; t++)
        threads.emplace_back (work);
      work ();
      for (auto &t : threads)
        t.join ();
      if (failed.load () || stop.load ())
        {
          delete h;
          if (failed.load () == 2 && message)
            *message = dup_message (what.c_str ());
          return failed.load () == 1 ? RALI_HNSW_NO_MEMORY : failed.load () ? RALI_HNSW_FAILED : RALI_HNSW_STOPPED;
        }
      *out = h;
      return RALI_HNSW_OK;
    }
  catch (const std::bad_alloc &)
    {
      delete h;
      return RALI_HNSW_NO_MEMORY;
    }
  catch (const std::exception &e)
    {
      delete h;
      // hnswlib reports a failed malloc as runtime_error("Not enough memory…")
      if (g_str_has_prefix (e.what (), "Not enough memory"))
        return RALI_HNSW_NO_MEMORY;
      if (message)
        *message = dup_message (e.what ());
      return RALI_HNSW_FAILED;
    }
}

void
rali_hnsw_free (RaliHnsw *h)
{
  delete h;
}

int
rali_hnsw_search (const RaliHnsw *h, const float *q, int k, int exclude, int *ids, float *sims)
{
  try
    {
      size_t want = (size_t) k + (exclude >= 0 ? 1 : 0);
      auto heap = h->graph.searchKnn (q, want);
      // the heap pops the farthest first
      std::vector<std::pair<float, int>> found;
      found.reserve (heap.size ());
      while (!heap.empty ())
        {
          auto top = heap.top ();
          heap.pop ();
          if ((int) top.second != exclude)
            found.emplace_back (1.0f - top.first, (int) top.second);
        }
      std::sort (found.begin (), found.end (), [] (const std::pair<float, int> &a, const std::pair<float, int> &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
      int n = std::min ((int) found.size (), k);
      for (int j = 0; j < n; j++)
        {
          ids[j] = found[j].second;
          if (sims)
            sims[j] = found[j].first;
        }
      return n;
    }
  catch (...)
    {
      return -1;
    }
}

void
rali_hnsw_set_ef (RaliHnsw *h, int ef)
{
  h->graph.setEf ((size_t) std::max (ef, 1));
}

gboolean
rali_hnsw_get_point (const RaliHnsw *h, int i, float *out)
{
  try
    {
      std::vector<float> v = h->graph.getDataByLabel<float> ((hnswlib::labeltype) i);
      std::copy (v.begin (), v.end (), out);
      return TRUE;
    }
  catch (...)
    {
      return FALSE;
    }
}
