/* runtime/train/model.c: the catalogue of model kinds and the arithmetic of
 * their tensor layout (sizes and offsets within the flat parameter vector),
 * shared by the trainer, the run cache, the store and the writers. */
#include <string.h>

#include "model.h"
#include "sae.h"

const struct model_kind *const model_kinds[] = {
    &model_linear, &model_relu, &model_relu_hidden, &model_untied, &model_sae, NULL,
};

const struct model_kind *model_find(const char *name)
{
    for (int k = 0; name && model_kinds[k]; k++)
        if (strcmp(model_kinds[k]->name, name) == 0)
            return model_kinds[k];
    return NULL;
}

int model_dim(enum model_dim d, int n, int m)
{
    return d == MODEL_DIM_N ? n : d == MODEL_DIM_M ? m : 1;
}

void model_shape(const struct model_kind *k, int t, int n, int m, int *rows, int *cols)
{
    *rows = model_dim(k->tensor[t].rows, n, m);
    *cols = model_dim(k->tensor[t].cols, n, m);
}

size_t model_tensor_size(const struct model_kind *k, int t, int n, int m)
{
    int r, c;
    model_shape(k, t, n, m, &r, &c);
    return (size_t)r * (size_t)c;
}

size_t model_tensor_offset(const struct model_kind *k, int t, int n, int m)
{
    size_t off = 0;
    for (int j = 0; j < t; j++)
        off += model_tensor_size(k, j, n, m);
    return off;
}

size_t model_nparams(const struct model_kind *k, int n, int m)
{
    return model_tensor_offset(k, k->ntensors, n, m);
}

int model_tensor_index(const struct model_kind *k, const char *name)
{
    for (int t = 0; t < k->ntensors; t++)
        if (strcmp(k->tensor[t].name, name) == 0)
            return t;
    return -1;
}

const float *model_feature_dirs(const struct model_kind *k, int n, int m, const float *p,
                                float *scratch)
{
    if (!k->dirs)
        return p;
    k->dirs(n, m, p, scratch);
    return scratch;
}
